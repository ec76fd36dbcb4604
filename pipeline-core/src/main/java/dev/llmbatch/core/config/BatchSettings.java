package dev.llmbatch.core.config;

import java.time.Duration;

/**
 * Prompt packing for a model pool (key {@code models.<pool>.batching}). Jobs of a task marked {@code batchable}
 * (and, when {@code messagesJobs} is on, plain messages jobs shaped as one optional system message plus one user
 * message) that share instruction and parameters, reserve at most {@code maxItemTokens} and ask for n = 1 without a
 * response_format are packed into one request of at most {@code maxItems} items and {@code maxBatchTokens} reserved
 * tokens; a batch is sent when full or {@code maxWait} after its first item, so a lone job is not held longer.
 */
public record BatchSettings(boolean enabled, int maxItems, int maxBatchTokens, Duration maxWait, int maxItemTokens,
        boolean messagesJobs) {

    /** The defaults: on, 16 items, 4,096 tokens, 30 ms, 256 tokens per item, messages jobs not packed. */
    public static final BatchSettings DEFAULTS = new BatchSettings(true, 16, 4096, Duration.ofMillis(30), 256, false);
}
