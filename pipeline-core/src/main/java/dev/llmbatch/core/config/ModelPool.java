package dev.llmbatch.core.config;

import java.util.List;

/**
 * A model pool: jobs name it in {@code model}; its deployments (one per region, possibly in several priority tiers)
 * serve it. {@code encoding} is the jtokkit encoding (never guessed from the model name), {@code contextWindow}
 * bounds prompt + completion, {@code defaultMaxTokens} is what the service reserves when a job sets no max_tokens,
 * {@code maxRequestTokens} is the largest reservation one request may make (and the least burst a deployment's
 * pacer keeps). {@code adaptiveMaxTokens} and {@code calibration} say how the reservation follows what answers need
 * and what the service charges; {@code hedging} whether and how straggling calls are raced. {@code price} (optional, null when not configured) is what {@code bin/pipeline plan}
 * costs a job file at.
 */
public record ModelPool(
        String name,
        String encoding,
        int contextWindow,
        int defaultMaxTokens,
        int maxRequestTokens,
        BatchSettings batching,
        List<DeploymentConfig> deployments,
        AdaptiveMaxTokens adaptiveMaxTokens,
        Calibration calibration,
        Price price,
        HedgingSettings hedging) {

    public ModelPool {
        deployments = List.copyOf(deployments);
        hedging = hedging == null ? HedgingSettings.DEFAULTS : hedging;
        adaptiveMaxTokens = adaptiveMaxTokens == null ? AdaptiveMaxTokens.DEFAULTS : adaptiveMaxTokens;
        calibration = calibration == null ? Calibration.DEFAULTS : calibration;
    }

    /** A pool with the default hedging. */
    public ModelPool(String name, String encoding, int contextWindow, int defaultMaxTokens, int maxRequestTokens,
            BatchSettings batching, List<DeploymentConfig> deployments, AdaptiveMaxTokens adaptiveMaxTokens,
            Calibration calibration, Price price) {
        this(name, encoding, contextWindow, defaultMaxTokens, maxRequestTokens, batching, deployments,
                adaptiveMaxTokens, calibration, price, null);
    }

    /** A pool with the default learned budgets and calibration, without prices. */
    public ModelPool(String name, String encoding, int contextWindow, int defaultMaxTokens, int maxRequestTokens,
            BatchSettings batching, List<DeploymentConfig> deployments) {
        this(name, encoding, contextWindow, defaultMaxTokens, maxRequestTokens, batching, deployments, null, null,
                null);
    }

    /** A pool with the default learned budgets and calibration. */
    public ModelPool(String name, String encoding, int contextWindow, int defaultMaxTokens, int maxRequestTokens,
            BatchSettings batching, List<DeploymentConfig> deployments, Price price) {
        this(name, encoding, contextWindow, defaultMaxTokens, maxRequestTokens, batching, deployments, null, null,
                price);
    }

    /**
     * Prices per 1,000 tokens (key {@code models.<pool>.price}), in whatever currency the operator uses.
     *
     * @param inputPer1k  per 1,000 prompt tokens
     * @param outputPer1k per 1,000 completion tokens
     */
    public record Price(double inputPer1k, double outputPer1k) {
    }
}
