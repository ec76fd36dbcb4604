package dev.llmbatch.core.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.llmbatch.core.offsets.OffsetTracker;
import java.time.Duration;
import java.util.Map;

/**
 * The worker's Kafka settings (key {@code kafka}; keys and defaults in {@code pipeline-defaults.yaml}). Immutable;
 * validated on construction with messages that name the key.
 *
 * @param transactionalId null (or "" in a file) for the default the worker resolves per instance
 * @param createTopics whether a worker that finds its jobs, results or DLQ topic missing creates it (with the settings
 *                     of {@code bin/pipeline topics create}) instead of refusing to start
 */
public record KafkaSettings(
        String bootstrap,
        String jobsTopic,
        String resultsTopic,
        String dlqTopic,
        String group,
        Delivery delivery,
        String transactionalId,
        @JsonProperty("commit-interval-ms") Duration commitInterval,
        int maxPollRecords,
        int commitMetadataMaxChars,
        Map<String, String> properties,
        boolean createTopics) {

    public KafkaSettings {
        Check.nonBlank("bootstrap", bootstrap);
        Check.nonBlank("jobs-topic", jobsTopic);
        Check.nonBlank("results-topic", resultsTopic);
        Check.nonBlank("dlq-topic", dlqTopic);
        Check.nonBlank("group", group);
        Check.present("delivery", delivery);
        transactionalId = Check.blankToNull(transactionalId);
        Check.atLeast("commit-interval-ms", commitInterval, 1);
        Check.atLeast("max-poll-records", maxPollRecords, 1);
        Check.atLeast("commit-metadata-max-chars", commitMetadataMaxChars, OffsetTracker.MIN_METADATA_CHARS);
        properties = Map.copyOf(properties);
    }

    /** Settings of a worker that does not create its topics. */
    public KafkaSettings(String bootstrap, String jobsTopic, String resultsTopic, String dlqTopic, String group,
            Delivery delivery, String transactionalId, Duration commitInterval, int maxPollRecords,
            int commitMetadataMaxChars, Map<String, String> properties) {
        this(bootstrap, jobsTopic, resultsTopic, dlqTopic, group, delivery, transactionalId, commitInterval,
                maxPollRecords, commitMetadataMaxChars, properties, false);
    }

    /** The same settings with another bootstrap (a command line's {@code --bootstrap-server}). */
    public KafkaSettings withBootstrap(String servers) {
        return new KafkaSettings(servers, jobsTopic, resultsTopic, dlqTopic, group, delivery, transactionalId,
                commitInterval, maxPollRecords, commitMetadataMaxChars, properties, createTopics);
    }

    /** The same settings with {@code id} as the transactional id (the worker resolves the default per instance). */
    public KafkaSettings withTransactionalId(String id) {
        return new KafkaSettings(bootstrap, jobsTopic, resultsTopic, dlqTopic, group, delivery, id, commitInterval,
                maxPollRecords, commitMetadataMaxChars, properties, createTopics);
    }
}
