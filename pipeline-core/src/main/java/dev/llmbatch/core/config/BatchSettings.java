package dev.llmbatch.core.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;

/**
 * Prompt packing for a model pool (key {@code models.<pool>.batching}). Jobs of a task marked {@code batchable}
 * (and, when {@code messagesJobs} is on, plain messages jobs shaped as one optional system message plus one user
 * message) that share instruction and parameters, reserve at most {@code maxItemTokens} and ask for n = 1 without a
 * response_format are packed into one request of at most {@code maxItems} items and {@code maxBatchTokens} reserved
 * tokens; a batch is sent when full or {@code maxWait} after its first item, so a lone job is not held longer.
 * Immutable; validated on construction with messages that name the key.
 */
public record BatchSettings(boolean enabled, int maxItems, int maxBatchTokens,
        @JsonProperty("max-wait-ms") Duration maxWait, int maxItemTokens, boolean messagesJobs) {

    /** The defaults of {@code pipeline-defaults.yaml}. */
    public static final BatchSettings DEFAULTS = ConfigLoader.templateDefaults("models.*", "batching", BatchSettings.class);

    public BatchSettings {
        Check.atLeast("max-items", maxItems, 1);
        Check.atLeast("max-batch-tokens", maxBatchTokens, 1);
        Check.atLeast("max-wait-ms", maxWait, 0);
        Check.atLeast("max-item-tokens", maxItemTokens, 1);
    }
}
