package dev.llmbatch.core.config;

/** How results and consumed offsets reach Kafka. */
public enum Delivery {
    /** Results and offsets in one Kafka transaction: one result per job for a read_committed consumer. */
    EXACTLY_ONCE,
    /** Results flushed, then offsets committed: a crash can publish a result twice, never lose one. */
    AT_LEAST_ONCE
}
