package dev.llmbatch.bench.baseline;

/**
 * A continuously refilled token bucket, as a careful script configures Bottleneck or a similar limiter: it starts
 * full, refills at {@code ratePerSecond} up to {@code capacity}, and a request of {@code cost} tokens may leave once
 * the level covers it (a cost above the capacity waits for a full bucket and drives the level negative, so the long-run
 * rate still holds). Times are nanoseconds of the caller's clock. Not thread-safe.
 */
public final class TokenBucket {
    private final double capacity;
    private final double ratePerSecond;
    private double level;
    private long last;
    private boolean started;

    public TokenBucket(double capacity, double ratePerSecond) {
        if (!(capacity > 0) || !(ratePerSecond > 0)) {
            throw new IllegalArgumentException("capacity and rate must be > 0");
        }
        this.capacity = capacity;
        this.ratePerSecond = ratePerSecond;
        this.level = capacity;
    }

    private void refill(long now) {
        if (!started) {
            started = true;
            last = now;
            return;
        }
        if (now > last) {
            level = Math.min(capacity, level + (now - last) / 1e9 * ratePerSecond);
            last = now;
        }
    }

    /** Tokens available at {@code now}. */
    public double room(long now) {
        refill(now);
        return level;
    }

    /** Nanoseconds from {@code now} until a request of {@code cost} may leave (0 = now). */
    public long waitNanos(long now, long cost) {
        refill(now);
        double need = Math.min(cost, capacity) - level;
        return need <= 0 ? 0 : (long) Math.ceil(need / ratePerSecond * 1e9);
    }

    /** Takes {@code cost} tokens at {@code now}; the caller has checked {@link #waitNanos} is 0. */
    public void take(long now, long cost) {
        refill(now);
        level -= cost;
    }

    public double capacity() {
        return capacity;
    }

    public double ratePerSecond() {
        return ratePerSecond;
    }
}
