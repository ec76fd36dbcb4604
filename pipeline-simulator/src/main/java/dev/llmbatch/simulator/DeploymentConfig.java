package dev.llmbatch.simulator;

import com.fasterxml.jackson.annotation.JsonProperty;

import com.knuddels.jtokkit.api.EncodingType;
import dev.llmbatch.simulator.quota.CostEstimator;
import java.util.Arrays;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One model deployment in a region: its quota, how admission charges it, and how its errors look. Keys and
 * defaults are listed in {@link SimulatorConfig}. Immutable; validated on construction with messages that name the
 * YAML key (the parser prefixes the path).
 *
 * @param name deployment name (path segment of the classic route, or body {@code model} on the v1 routes)
 * @param model the underlying model id reported in responses, e.g. {@code gpt-4o-mini-2024-07-18}
 * @param encoding jtokkit encoding name used for prompt tokens ({@code o200k_base}, {@code cl100k_base}, ...)
 * @param tpm tokens per minute (60 s sliding window)
 * @param rpm requests per minute (10 s sliding window of {@code ceil(rpm/6)})
 * @param estimator how a request's admission cost is estimated
 * @param defaultMaxTokens reservation used when a request has no max_tokens
 * @param contextWindow prompt tokens + max_tokens allowed
 * @param contentFilterPattern regex; a prompt matching it gets 400 content_filter (null: off)
 * @param outputFilterPattern regex; a reply matching it gets 200 with finish_reason content_filter (null: off)
 * @param retryAfterMsHeader whether 429s carry {@code retry-after-ms} (with {@link HeaderProfile#FULL})
 * @param bodyStyle which 429 body
 * @param headerProfile which 429 retry headers
 * @param sheddingRate probability of a capacity-shedding 429 (not charged, not about quota)
 * @param sheddingRetryAfterS the retry-after of a shedding 429, in seconds
 * @param requestWindow1s whether a 1 s window of {@code ceil(rpm/60)} also applies
 * @param rejectOversize whether a request costing more than TPM is always refused (retry-after 60 s)
 * @param batchFaults how replies to packed requests are corrupted ({@code batch-faults}; null means none)
 * @param packing whether the model follows the packing reply schema ({@code packing}; null means
 *                {@link PackingMode#FOLLOW})
 */
public record DeploymentConfig(String name, String model, String encoding, long tpm, long rpm,
                               CostEstimator estimator, int defaultMaxTokens, int contextWindow,
                               String contentFilterPattern, String outputFilterPattern, boolean retryAfterMsHeader,
                               BodyStyle bodyStyle, HeaderProfile headerProfile, double sheddingRate,
                               int sheddingRetryAfterS, @JsonProperty("request-window-1s") boolean requestWindow1s, boolean rejectOversize,
                               BatchFaults batchFaults, PackingMode packing) {

    /** Validates every value; messages name the YAML key. */
    public DeploymentConfig {
        if (name == null || name.isBlank()) {
            throw new SimulatorConfigException("name", "is required");
        }
        if (model == null || model.isBlank()) {
            throw new SimulatorConfigException("model", "must not be empty");
        }
        if (encoding == null || EncodingType.fromName(encoding).isEmpty()) {
            throw new SimulatorConfigException("encoding", "must be one of " + Arrays.stream(EncodingType.values())
                    .map(EncodingType::getName).toList() + ", got " + encoding);
        }
        if (tpm <= 0) {
            throw new SimulatorConfigException("tpm", "must be > 0");
        }
        if (rpm <= 0) {
            throw new SimulatorConfigException("rpm", "must be > 0");
        }
        Objects.requireNonNull(estimator, "estimator");
        if (defaultMaxTokens < 1) {
            throw new SimulatorConfigException("default-max-tokens", "must be >= 1");
        }
        if (contextWindow < 1) {
            throw new SimulatorConfigException("context-window", "must be >= 1");
        }
        regex("content-filter-pattern", contentFilterPattern);
        regex("output-filter-pattern", outputFilterPattern);
        Objects.requireNonNull(bodyStyle, "bodyStyle");
        Objects.requireNonNull(headerProfile, "headerProfile");
        FaultSpec.probability("shedding-rate", sheddingRate);
        if (sheddingRetryAfterS < 1) {
            throw new SimulatorConfigException("shedding-retry-after-s", "must be >= 1");
        }
        if (batchFaults == null) {
            batchFaults = BatchFaults.none();
        }
        if (packing == null) {
            packing = PackingMode.FOLLOW;
        }
    }

    /** A copy with a different quota. */
    public DeploymentConfig withQuota(long newTpm, long newRpm) {
        return new DeploymentConfig(name, model, encoding, newTpm, newRpm, estimator, defaultMaxTokens, contextWindow,
                contentFilterPattern, outputFilterPattern, retryAfterMsHeader, bodyStyle, headerProfile, sheddingRate,
                sheddingRetryAfterS, requestWindow1s, rejectOversize, batchFaults, packing);
    }

    /** A copy with different batch faults. */
    public DeploymentConfig withBatchFaults(BatchFaults newBatchFaults) {
        return new DeploymentConfig(name, model, encoding, tpm, rpm, estimator, defaultMaxTokens, contextWindow,
                contentFilterPattern, outputFilterPattern, retryAfterMsHeader, bodyStyle, headerProfile, sheddingRate,
                sheddingRetryAfterS, requestWindow1s, rejectOversize, newBatchFaults, packing);
    }

    /** A copy with a different packing mode. */
    public DeploymentConfig withPacking(PackingMode newPacking) {
        return new DeploymentConfig(name, model, encoding, tpm, rpm, estimator, defaultMaxTokens, contextWindow,
                contentFilterPattern, outputFilterPattern, retryAfterMsHeader, bodyStyle, headerProfile, sheddingRate,
                sheddingRetryAfterS, requestWindow1s, rejectOversize, batchFaults, newPacking);
    }

    static void regex(String key, String pattern) {
        if (pattern == null) {
            return;
        }
        try {
            Pattern.compile(pattern);
        } catch (PatternSyntaxException e) {
            throw new SimulatorConfigException(key, "is not a valid regular expression: " + e.getDescription());
        }
    }
}
