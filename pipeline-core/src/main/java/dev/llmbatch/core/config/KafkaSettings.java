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
        Map<String, String> properties) {

    public KafkaSettings {
        properties = Map.copyOf(properties);
    }
}
