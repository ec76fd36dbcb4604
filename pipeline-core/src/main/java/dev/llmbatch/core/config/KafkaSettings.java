package dev.llmbatch.core.config;

import java.time.Duration;
import java.util.Map;

/** The worker's Kafka settings (key {@code kafka}). Immutable. */
public record KafkaSettings(
        String bootstrap,
        String jobsTopic,
        String resultsTopic,
        String dlqTopic,
        String group,
        Delivery delivery,
        String transactionalId,
        Duration commitInterval,
        int maxPollRecords,
        int commitMetadataMaxChars,
        Map<String, String> properties) {

    public KafkaSettings {
        properties = Map.copyOf(properties);
    }

    /** The same settings with {@code id} as the transactional id (the worker resolves the default per instance). */
    public KafkaSettings withTransactionalId(String id) {
        return new KafkaSettings(bootstrap, jobsTopic, resultsTopic, dlqTopic, group, delivery, id, commitInterval,
                maxPollRecords, commitMetadataMaxChars, properties);
    }
}
