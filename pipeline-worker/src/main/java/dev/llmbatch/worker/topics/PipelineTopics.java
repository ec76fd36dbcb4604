package dev.llmbatch.worker.topics;

import dev.llmbatch.core.config.KafkaSettings;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/**
 * The settings the jobs, results and DLQ topics are created with, by {@code bin/pipeline topics create} and by a
 * worker with {@code kafka.create-topics: true}. Why these values is in the README ("Topics"). Stateless.
 */
public final class PipelineTopics {
    /** Partitions of the jobs and results topics unless asked otherwise: the most workers of one group that work. */
    public static final int DEFAULT_PARTITIONS = 6;
    /**
     * The DLQ's max.message.bytes: the worker's producer max.request.size (8 MiB), so a DLQ copy of any record the
     * jobs topic could hold is whole rather than cut.
     */
    public static final int DLQ_MAX_MESSAGE_BYTES = 8 * 1024 * 1024;
    static final Duration JOBS_RETENTION = Duration.ofDays(7);
    static final Duration RESULTS_RETENTION = Duration.ofDays(7);
    static final Duration DLQ_RETENTION = Duration.ofDays(30);

    private PipelineTopics() {
    }

    /** One topic the pipeline needs: what it is for, its name in the config, and how to create it. */
    public record Spec(String role, String name, int partitions, Optional<Short> replicationFactor,
            Map<String, String> configs) {
        public Spec {
            configs = Map.copyOf(configs);
        }

        public NewTopic newTopic() {
            return new NewTopic(name, Optional.of(partitions), replicationFactor).configs(configs);
        }
    }

    /**
     * The three topics of {@code kafka}.
     *
     * @param partitions        of the jobs and results topics (the DLQ has one: it is read by people, in order)
     * @param replicationFactor empty = the broker's default.replication.factor
     */
    public static List<Spec> specs(KafkaSettings kafka, int partitions, Optional<Short> replicationFactor) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1, got " + partitions);
        }
        return List.of(
                new Spec("jobs", kafka.jobsTopic(), partitions, replicationFactor,
                        common(replicationFactor, JOBS_RETENTION)),
                new Spec("results", kafka.resultsTopic(), partitions, replicationFactor,
                        common(replicationFactor, RESULTS_RETENTION)),
                new Spec("dlq", kafka.dlqTopic(), 1, replicationFactor, dlq(replicationFactor)));
    }

    private static Map<String, String> common(Optional<Short> replicationFactor, Duration retention) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE);
        c.put(TopicConfig.RETENTION_MS_CONFIG, Long.toString(retention.toMillis()));
        // With three replicas or more, an acknowledged transactional write survives the loss of one broker.
        if (replicationFactor.filter(r -> r >= 3).isPresent()) {
            c.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "2");
        }
        return c;
    }

    private static Map<String, String> dlq(Optional<Short> replicationFactor) {
        Map<String, String> c = common(replicationFactor, DLQ_RETENTION);
        c.put(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(DLQ_MAX_MESSAGE_BYTES));
        return c;
    }

    /** Admin client properties for {@code kafka}: the bootstrap, the admin-relevant client properties, short timeouts. */
    public static Properties adminProperties(KafkaSettings kafka) {
        Properties p = new Properties();
        kafka.properties().forEach((k, v) -> {
            // config.providers.<name>.class and .param.* are not config names, yet config.providers needs them
            if (AdminClientConfig.configNames().contains(k) || k.startsWith("config.providers.")) {
                p.put(k, v);
            }
        });
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap());
        p.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "15000");
        p.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.remove(AdminClientConfig.CLIENT_ID_CONFIG);
        return p;
    }
}
