package dev.llmbatch.core.config;

/**
 * Hedging of straggling calls (keys {@code models.<pool>.hedging.*}): a call in flight longer than the
 * {@code quantile} of its deployment's expected time for its size (learned by
 * {@link dev.llmbatch.core.latency.LatencyModel} once it has {@code minSamples} answers, never earlier than
 * {@code minDelayMs}) gets a copy sent to another deployment with room; the first answer wins. Hedges are paid from a
 * budget: their tokens may be at most {@code maxExtraTokenShare} of the tokens admitted over the last
 * {@code windowMs} ({@link dev.llmbatch.core.latency.HedgeBudget}). A packed call of more than
 * {@code maxBatchItems} jobs is never hedged. {@code halfLifeMs} is how fast the learned latency forgets.
 *
 * <p>On by default: the budget caps the cost at a few percent of the tokens and only idle quota is spent, while
 * a batch's makespan is set by its slowest call, which is what a bulk user waits for; {@code enabled: false}
 * switches it off per pool.
 *
 * <p>Immutable; validated on construction, the message names the key (relative to {@code models.<pool>}).
 *
 * @param enabled            key {@code hedging.enabled} (true)
 * @param quantile           key {@code hedging.quantile} (0.95): in [0.5, 1); below the median most calls would be
 *                           hedged
 * @param minSamples         key {@code hedging.min-samples} (20): answers a deployment must have given before its
 *                           calls are hedged
 * @param maxExtraTokenShare key {@code hedging.max-extra-token-share} (0.03): hedge tokens / admitted tokens over
 *                           the window, in [0, 1]
 * @param windowMs           key {@code hedging.window-ms} (60000): the budget's sliding window, >= 1000
 * @param maxBatchItems      key {@code hedging.max-batch-items} (4): the largest packed call that may be hedged, >= 1
 * @param minDelayMs         key {@code hedging.min-delay-ms} (500): no call is hedged sooner, so that a fast
 *                           deployment's calls are not doubled by jitter, >= 0
 * @param halfLifeMs         key {@code hedging.half-life-ms} (120000): age at which an observed latency weighs half
 *                           as much as a new one, >= 1000
 */
public record HedgingSettings(boolean enabled, double quantile, int minSamples, double maxExtraTokenShare,
                              long windowMs, int maxBatchItems, long minDelayMs, long halfLifeMs) {

    /** The defaults, as declared under {@code models.*.hedging} in {@code pipeline-defaults.yaml}. */
    public static final HedgingSettings DEFAULTS = ConfigLoader.templateDefaults("models.*", "hedging",
            HedgingSettings.class);

    public HedgingSettings {
        if (!(quantile >= 0.5 && quantile < 1)) {
            throw new ConfigException("quantile", "must be in [0.5, 1), got " + quantile);
        }
        Check.atLeast("min-samples", minSamples, 1);
        Check.between("max-extra-token-share", maxExtraTokenShare, 0, 1);
        Check.atLeast("window-ms", windowMs, 1_000);
        Check.atLeast("max-batch-items", maxBatchItems, 1);
        Check.atLeast("min-delay-ms", minDelayMs, 0);
        Check.atLeast("half-life-ms", halfLifeMs, 1_000);
    }

    /** These settings with {@code enabled} replaced (the off switch). */
    public HedgingSettings withEnabled(boolean on) {
        return new HedgingSettings(on, quantile, minSamples, maxExtraTokenShare, windowMs, maxBatchItems, minDelayMs,
                halfLifeMs);
    }
}
