package dev.llmbatch.core.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How results and consumed offsets reach Kafka. */
public enum Delivery {
    /** Results and offsets in one Kafka transaction: one result per job for a read_committed consumer. */
    @JsonProperty("exactly-once") EXACTLY_ONCE,
    /** Results flushed, then offsets committed: a crash can publish a result twice, never lose one. */
    @JsonProperty("at-least-once") AT_LEAST_ONCE
}
