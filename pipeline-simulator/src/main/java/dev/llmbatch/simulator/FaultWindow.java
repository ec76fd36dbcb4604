package dev.llmbatch.simulator;

import com.fasterxml.jackson.annotation.JsonProperty;

import com.fasterxml.jackson.annotation.JsonCreator;

import java.util.Objects;

/**
 * A configured brownout: {@link #faults()} apply to requests admitted at simulated times in
 * {@code [fromS, toS)} seconds since the simulator started. YAML: {@code {from-s: 0, to-s: .inf, p-500: ..., ...}}
 * (the {@link FaultSpec} keys inline). Immutable.
 */
public record FaultWindow(double fromS, double toS, FaultSpec faults) {

    /** Validates the interval; messages name the YAML key. */
    public FaultWindow {
        Objects.requireNonNull(faults, "faults");
        if (!(fromS >= 0) || Double.isInfinite(fromS)) {
            throw new SimulatorConfigException("from-s", "must be >= 0, got " + fromS);
        }
        if (!(toS > fromS)) {
            throw new SimulatorConfigException("to-s", "must be > from-s (" + fromS + "), got " + toS);
        }
    }

    /** Binds the YAML shape, where the {@link FaultSpec} keys sit next to {@code from-s} and {@code to-s}. */
    @JsonCreator
    static FaultWindow bind(@JsonProperty("from-s") double fromS, @JsonProperty("to-s") double toS,
                            @JsonProperty("p-500") double p500, @JsonProperty("p-503") double p503,
                            @JsonProperty("p-408") double p408, @JsonProperty("p-hang") double pHang,
                            @JsonProperty("p-reset") double pReset,
                            @JsonProperty("latency-multiplier") double latencyMultiplier) {
        return new FaultWindow(fromS, toS, new FaultSpec(p500, p503, p408, pHang, pReset, latencyMultiplier));
    }

    /** Whether {@code simulatedSeconds} (since start) falls inside the window. */
    public boolean covers(double simulatedSeconds) {
        return simulatedSeconds >= fromS && simulatedSeconds < toS;
    }
}
