package dev.llmbatch.core.config;

import java.util.List;

/**
 * A model pool: jobs name it in {@code model}; its deployments (one per region, possibly in several priority tiers)
 * serve it. {@code encoding} is the jtokkit encoding (never guessed from the model name), {@code contextWindow}
 * bounds prompt + completion, {@code defaultMaxTokens} is what the service reserves when a job sets no max_tokens,
 * {@code maxRequestTokens} is the largest reservation one request may make: every deployment's token bucket keeps
 * at least that much burst (at the cost of a slightly lower sustained rate, see {@code BucketShape}). {@code price}
 * (optional, null when not configured) is what {@code bin/pipeline plan} costs a job file at.
 */
public record ModelPool(
        String name,
        String encoding,
        int contextWindow,
        int defaultMaxTokens,
        int maxRequestTokens,
        BatchSettings batching,
        List<DeploymentConfig> deployments,
        Price price) {

    public ModelPool {
        deployments = List.copyOf(deployments);
    }

    /** A pool without prices. */
    public ModelPool(String name, String encoding, int contextWindow, int defaultMaxTokens, int maxRequestTokens,
            BatchSettings batching, List<DeploymentConfig> deployments) {
        this(name, encoding, contextWindow, defaultMaxTokens, maxRequestTokens, batching, deployments, null);
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
