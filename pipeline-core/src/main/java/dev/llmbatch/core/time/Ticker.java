package dev.llmbatch.core.time;

/**
 * A monotonic source of nanoseconds, injected wherever code measures elapsed time (buckets, cooldowns, windows,
 * backoff). Production uses {@link #system()}; tests use {@code FakeTicker} (pipeline-core's test-jar); the simulator and a worker pointed at
 * a simulator may use {@link #scaled(double)} so that a minute of quota passes in a second of wall time.
 *
 * <p>Implementations are thread-safe. Values are only meaningful as differences.
 */
@FunctionalInterface
public interface Ticker {

    /** Current reading in nanoseconds; only differences between readings are meaningful. */
    long nanos();

    /** The JVM's monotonic clock. */
    static Ticker system() {
        return System::nanoTime;
    }

    /**
     * A clock that runs {@code factor} times faster than the JVM's monotonic clock (factor 60: one real second is
     * one simulated minute). Factor 1 returns {@link #system()}.
     *
     * @throws IllegalArgumentException if factor is not finite and positive
     */
    static Ticker scaled(double factor) {
        if (!(factor > 0) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("time scale must be a finite positive number, got " + factor);
        }
        if (factor == 1.0) {
            return system();
        }
        long origin = System.nanoTime();
        return () -> origin + (long) ((System.nanoTime() - origin) * factor);
    }
}
