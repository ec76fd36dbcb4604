package dev.llmbatch.bench.baseline;

/**
 * The common client-side recipe: a leaky bucket (as a meter, no burst) that lets requests out at a constant rate of
 * tokens and of requests per second. {@link #reserve} books the next slot: a request of {@code cost} tokens leaves at
 * {@code max(now, nextFree)} and pushes {@code nextFree} on by {@code max(cost / tokensPerSecond,
 * 1 / requestsPerSecond)}. So over any interval of length t it lets out at most {@code rate * t} plus one request.
 *
 * <p>Times are nanoseconds of whatever clock the caller uses (the simulator's simulated clock here). Not
 * thread-safe: one bucket per region, used from one thread at a time.
 */
public final class LeakyBucket {
    private final double tokensPerSecond;
    private final double requestsPerSecond;
    private long nextFree = Long.MIN_VALUE;

    public LeakyBucket(double tokensPerSecond, double requestsPerSecond) {
        if (!(tokensPerSecond > 0) || !(requestsPerSecond > 0)) {
            throw new IllegalArgumentException("rates must be > 0");
        }
        this.tokensPerSecond = tokensPerSecond;
        this.requestsPerSecond = requestsPerSecond;
    }

    /** A bucket at {@code fraction} of a deployment's TPM and RPM. */
    public static LeakyBucket atFractionOf(long tpm, long rpm, double fraction) {
        return new LeakyBucket(fraction * tpm / 60.0, fraction * rpm / 60.0);
    }

    /** Books a request of {@code cost} tokens; returns the time (same clock as {@code now}) at which it may leave. */
    public long reserve(long now, long cost) {
        long start = nextFree == Long.MIN_VALUE ? now : Math.max(now, nextFree);
        double seconds = Math.max(cost / tokensPerSecond, 1.0 / requestsPerSecond);
        nextFree = start + (long) Math.ceil(seconds * 1e9);
        return start;
    }

    public double tokensPerSecond() {
        return tokensPerSecond;
    }
}
