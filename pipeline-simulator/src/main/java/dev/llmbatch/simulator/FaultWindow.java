package dev.llmbatch.simulator;

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

    /** Whether {@code simulatedSeconds} (since start) falls inside the window. */
    public boolean covers(double simulatedSeconds) {
        return simulatedSeconds >= fromS && simulatedSeconds < toS;
    }
}
