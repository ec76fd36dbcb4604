package dev.llmbatch.simulator;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Faults a region injects into requests it has already admitted (and charged, as the real service does). For each
 * admitted request one uniform draw picks at most one fault: 500, 503, 408 (after the full latency), hang (never
 * answered until the client closes the connection) or connection reset (closed without a response). The latency
 * multiplier stretches every response of the region while the spec applies (a brownout).
 *
 * <p>YAML/JSON keys: {@code p-500}, {@code p-503}, {@code p-408}, {@code p-hang}, {@code p-reset} (each in [0, 1],
 * default 0, together at most 1) and {@code latency-multiplier} (> 0, default 1).
 *
 * <p>Immutable and thread-safe.
 */
public record FaultSpec(@JsonProperty("p-500") double p500, @JsonProperty("p-503") double p503,
                        @JsonProperty("p-408") double p408, double pHang, double pReset,
                        double latencyMultiplier) {

    private static final FaultSpec NONE = new FaultSpec(0, 0, 0, 0, 0, 1);

    /** Validates every probability and the multiplier; messages name the YAML key. */
    public FaultSpec {
        probability("p-500", p500);
        probability("p-503", p503);
        probability("p-408", p408);
        probability("p-hang", pHang);
        probability("p-reset", pReset);
        double sum = p500 + p503 + p408 + pHang + pReset;
        if (sum > 1.0 + 1e-9) {
            throw new SimulatorConfigException("", "p-500 + p-503 + p-408 + p-hang + p-reset must be <= 1, got " + sum);
        }
        if (!(latencyMultiplier > 0) || Double.isInfinite(latencyMultiplier)) {
            throw new SimulatorConfigException("latency-multiplier", "must be > 0, got " + latencyMultiplier);
        }
    }

    /** No faults and normal latency. */
    public static FaultSpec none() {
        return NONE;
    }

    /** Whether this spec injects nothing and leaves latency alone. */
    public boolean isNone() {
        return equals(NONE);
    }

    /** A copy with {@code p-500} changed. */
    public FaultSpec withP500(double p) {
        return new FaultSpec(p, p503, p408, pHang, pReset, latencyMultiplier);
    }

    /** A copy with {@code p-503} changed. */
    public FaultSpec withP503(double p) {
        return new FaultSpec(p500, p, p408, pHang, pReset, latencyMultiplier);
    }

    /** A copy with {@code p-408} changed. */
    public FaultSpec withP408(double p) {
        return new FaultSpec(p500, p503, p, pHang, pReset, latencyMultiplier);
    }

    /** A copy with {@code p-hang} changed. */
    public FaultSpec withPHang(double p) {
        return new FaultSpec(p500, p503, p408, p, pReset, latencyMultiplier);
    }

    /** A copy with {@code p-reset} changed. */
    public FaultSpec withPReset(double p) {
        return new FaultSpec(p500, p503, p408, pHang, p, latencyMultiplier);
    }

    /** A copy with {@code latency-multiplier} changed. */
    public FaultSpec withLatencyMultiplier(double m) {
        return new FaultSpec(p500, p503, p408, pHang, pReset, m);
    }

    static void probability(String key, double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new SimulatorConfigException(key, "must be in [0, 1], got " + p);
        }
    }
}
