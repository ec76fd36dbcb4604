package dev.llmbatch.core.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A model pool (key {@code models.<name>}; keys and defaults under {@code models.*} in
 * {@code pipeline-defaults.yaml}): jobs name it in {@code model}; its deployments (one per region, possibly in several
 * priority tiers) serve it. {@code encoding} is the jtokkit encoding (never guessed from the model name),
 * {@code contextWindow} bounds prompt + completion, {@code defaultMaxTokens} is what the service reserves when a job
 * sets no max_tokens, {@code maxRequestTokens} is the largest reservation one request may make (and the least burst a
 * deployment's pacer keeps). {@code adaptiveMaxTokens} and {@code calibration} say how the reservation follows what
 * answers need and what the service charges; {@code hedging} whether and how straggling calls are raced
 * ({@link HedgingSettings}). {@code price} (optional, null when not configured) is what
 * {@code bin/pipeline plan} costs a job file at. Immutable; validated on construction with messages that name the key.
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

    private static final Set<String> ENCODINGS = Set.of("o200k_base", "cl100k_base", "p50k_base", "r50k_base",
            "p50k_edit");

    public ModelPool {
        Check.nonBlank("name", name);
        Check.nonBlank("encoding", encoding);
        if (!ENCODINGS.contains(encoding)) {
            throw new ConfigException("encoding", "must be a jtokkit encoding such as o200k_base or cl100k_base, got '"
                    + encoding + "'");
        }
        Check.atLeast("context-window", contextWindow, 1);
        Check.atLeast("default-max-tokens", defaultMaxTokens, 1);
        Check.atLeast("max-request-tokens", maxRequestTokens, 1);
        Check.present("batching", batching);
        Check.present("adaptive-max-tokens", adaptiveMaxTokens);
        Check.present("calibration", calibration);
        Check.present("hedging", hedging);
        if (deployments == null || deployments.isEmpty()) {
            throw new ConfigException("deployments", "must list at least one deployment");
        }
        deployments = List.copyOf(deployments);
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < deployments.size(); i++) {
            if (!ids.add(deployments.get(i).id())) {
                throw new ConfigException("deployments[" + i + "]", "repeats " + deployments.get(i).id());
            }
        }
    }


    /**
     * Prices per 1,000 tokens (key {@code models.<pool>.price}), in whatever currency the operator uses.
     *
     * @param inputPer1k  per 1,000 prompt tokens
     * @param outputPer1k per 1,000 completion tokens
     */
    public record Price(@JsonProperty("input-per-1k") double inputPer1k,
            @JsonProperty("output-per-1k") double outputPer1k) {
        public Price {
            Check.between("input-per-1k", inputPer1k, 0, 1_000_000);
            Check.between("output-per-1k", outputPer1k, 0, 1_000_000);
        }
    }
}
