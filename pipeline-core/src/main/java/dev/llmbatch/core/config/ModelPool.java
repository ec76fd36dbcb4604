package dev.llmbatch.core.config;

import java.util.List;

/**
 * A model pool: jobs name it in {@code model}; its deployments (one per region, possibly in several priority tiers)
 * serve it. {@code encoding} is the jtokkit encoding (never guessed from the model name), {@code contextWindow}
 * bounds prompt + completion, {@code defaultMaxTokens} is what the service reserves when a job sets no max_tokens,
 * {@code maxRequestTokens} is the largest reservation one request may make: every deployment's token bucket keeps
 * one deployment grants at once. {@code adaptiveMaxTokens} and {@code calibration} say how the reservation follows
 * what answers need and what the service charges.
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
        Calibration calibration) {

    public ModelPool {
        deployments = List.copyOf(deployments);
        adaptiveMaxTokens = adaptiveMaxTokens == null ? AdaptiveMaxTokens.DEFAULTS : adaptiveMaxTokens;
        calibration = calibration == null ? Calibration.DEFAULTS : calibration;
    }

    /** A pool with the default learned budgets and calibration. */
    public ModelPool(String name, String encoding, int contextWindow, int defaultMaxTokens, int maxRequestTokens,
            BatchSettings batching, List<DeploymentConfig> deployments) {
        this(name, encoding, contextWindow, defaultMaxTokens, maxRequestTokens, batching, deployments, null, null);
    }
}
