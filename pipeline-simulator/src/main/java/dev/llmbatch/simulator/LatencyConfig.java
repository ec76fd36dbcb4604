package dev.llmbatch.simulator;

/**
 * A region's latency model (reference section 6), in simulated milliseconds:
 * {@code e2e = rtt + ttft * LogNormal(0, ttftSigma) + promptTokens / 1000 * prefillMsPer1k
 * + completionTokens / (tps * LogNormal(0, tpsSigma) / (1 + loadAlpha * utilisation))}, times {@code multiplier}
 * and the active fault spec's latency multiplier; with probability {@code pSlow} also times U(3, 10).
 * Utilisation is the deployment's charged tokens in the 60 s window divided by its TPM.
 *
 * <p>YAML keys (defaults): {@code rtt-ms} (20), {@code ttft-ms} (600), {@code prefill-ms-per-1k} (50),
 * {@code tps} (80), {@code ttft-sigma} (0.35), {@code tps-sigma} (0.3), {@code load-alpha} (0.5),
 * {@code multiplier} (1.0), {@code p-slow} (0.0). Immutable.
 */
public record LatencyConfig(double rttMs, double ttftMs, double prefillMsPer1k, double tps, double ttftSigma,
                            double tpsSigma, double loadAlpha, double multiplier, double pSlow) {

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
    }

    /** A model that answers at once (all terms zero, infinite-ish speed): for tests that do not measure latency. */
    public static LatencyConfig instant() {
        return new LatencyConfig(0, 0, 0, 1e12, 0, 0, 0, 1, 0);
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
