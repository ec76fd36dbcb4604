package dev.llmbatch.simulator;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A region's latency model (reference section 6), in simulated milliseconds:
 * {@code e2e = rtt + ttft * LogNormal(0, ttftSigma) + promptTokens / 1000 * prefillMsPer1k
 * + completionTokens / (tps * LogNormal(0, tpsSigma) / (1 + loadAlpha * utilisation))}, times {@code multiplier}
 * and the active fault spec's latency multiplier; then
 * <ul>
 *   <li>times {@code LogNormal(0, tailSigma)} (the whole call's own spread, which sets how heavy the tail is: the
 *       median stays, p99 / p50 of this factor is {@code exp(2.33 * tailSigma)}, e.g. 6.4 at 0.8);</li>
 *   <li>with probability {@code pSlow} also times U(3, 10) (a slow call);</li>
 *   <li>with probability {@code stallProbability} plus {@code stallMs} (a stall: the region holds the call that long,
 *       whatever its size and the multipliers, then answers normally), counted in {@link DeploymentStats#stalls()}.</li>
 * </ul>
 * Utilisation is the deployment's charged tokens in the 60 s window divided by its TPM. All draws come from the
 * region's seeded generator, so a run with the same seed and the same request order repeats; tail, slow and stall
 * draws are only made when their knob is above 0, so turning them on does not shift the draws of runs without them.
 *
 * <p>YAML keys (defaults): {@code rtt-ms} (20), {@code ttft-ms} (600), {@code prefill-ms-per-1k} (50),
 * {@code tps} (80), {@code ttft-sigma} (0.35), {@code tps-sigma} (0.3), {@code load-alpha} (0.5),
 * {@code multiplier} (1.0), {@code p-slow} (0.0), {@code tail-sigma} (0.0), {@code stall-probability} (0.0),
 * {@code stall-ms} (30000). Immutable.
 */
public record LatencyConfig(double rttMs, double ttftMs, @JsonProperty("prefill-ms-per-1k") double prefillMsPer1k, double tps,
                            double ttftSigma,
                            double tpsSigma, double loadAlpha, double multiplier, double pSlow, double tailSigma,
                            double stallProbability, double stallMs) {

    /** Default {@code stall-ms}: long enough to stretch a batch's tail, short of typical client timeouts (60 s). */
    public static final double DEFAULT_STALL_MS = 30_000;

    /** Validates every value; messages name the YAML key. */
    public LatencyConfig {
        nonNegative("rtt-ms", rttMs);
        nonNegative("ttft-ms", ttftMs);
        nonNegative("prefill-ms-per-1k", prefillMsPer1k);
        positive("tps", tps);
        nonNegative("ttft-sigma", ttftSigma);
        nonNegative("tps-sigma", tpsSigma);
        nonNegative("load-alpha", loadAlpha);
        positive("multiplier", multiplier);
        FaultSpec.probability("p-slow", pSlow);
        nonNegative("tail-sigma", tailSigma);
        FaultSpec.probability("stall-probability", stallProbability);
        nonNegative("stall-ms", stallMs);
    }

    /** The model without the heavy-tail knobs (tail-sigma 0, no stalls), as before they existed. */
    public LatencyConfig(double rttMs, double ttftMs, double prefillMsPer1k, double tps, double ttftSigma,
                         double tpsSigma, double loadAlpha, double multiplier, double pSlow) {
        this(rttMs, ttftMs, prefillMsPer1k, tps, ttftSigma, tpsSigma, loadAlpha, multiplier, pSlow, 0, 0,
                DEFAULT_STALL_MS);
    }

    /** A model that answers at once (all terms zero, infinite-ish speed): for tests that do not measure latency. */
    public static LatencyConfig instant() {
        return new LatencyConfig(0, 0, 0, 1e12, 0, 0, 0, 1, 0);
    }

    /** A copy with the heavy-tail knobs set: {@code tail-sigma}, {@code stall-probability}, {@code stall-ms}. */
    public LatencyConfig withTail(double newTailSigma, double newStallProbability, double newStallMs) {
        return new LatencyConfig(rttMs, ttftMs, prefillMsPer1k, tps, ttftSigma, tpsSigma, loadAlpha, multiplier, pSlow,
                newTailSigma, newStallProbability, newStallMs);
    }

    private static void nonNegative(String key, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new SimulatorConfigException(key, "must be >= 0, got " + v);
        }
    }

    private static void positive(String key, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new SimulatorConfigException(key, "must be > 0, got " + v);
        }
    }
}
