package dev.llmbatch.core.admission;

import java.time.Duration;

/**
 * The shape of a token bucket that can never admit more than {@code limit} within any sliding {@code window}, the
 * way the service counts (reference 3.3: a 60 s token window, a 10 s request window).
 *
 * <p>A bucket of capacity B refilling at rate r admits at most {@code B + r*t} in any interval of length t. With
 * {@code r = (limit - B) / (window + margin)} that is at most {@code limit} in any window, even when requests reach
 * the service up to {@code margin} later than we admitted them (network and pool jitter). The price is the burst:
 * the sustained rate is {@code (limit - B) / (window + margin)}, so B is a small fraction of the limit, but at least
 * the largest single request that must fit. B never exceeds half the limit (above that a greedy refill could let a
 * window see more than the limit); a limit of 1 is a bucket of 1 refilled once per window + margin.
 */
public record BucketShape(long capacity, long refillTokens, Duration refillPeriod) {

    public BucketShape {
        if (capacity < 1 || refillTokens < 1 || refillPeriod.isNegative() || refillPeriod.isZero()) {
            throw new IllegalArgumentException("invalid bucket shape " + capacity + "/" + refillTokens + "/"
                    + refillPeriod);
        }
    }

    /**
     * @param limit         what the service admits per window (TPM, or ceil(RPM/6) per 10 s)
     * @param window        the service's sliding window
     * @param burstFraction the burst as a fraction of the limit
     * @param minBurst      the largest single request that must fit (tokens), or 1
     * @param margin        extra time the refill is spread over, to absorb jitter between our clock and arrival
     */
    public static BucketShape of(long limit, Duration window, double burstFraction, long minBurst, Duration margin) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be >= 1, got " + limit);
        }
        Duration period = window.plus(margin);
        if (limit == 1) {
            return new BucketShape(1, 1, period);
        }
        long burst = Math.max((long) Math.ceil(burstFraction * limit), Math.max(1, minBurst));
        burst = Math.min(burst, limit / 2);
        return new BucketShape(burst, limit - burst, period);
    }

    /** Sustained admission per minute this shape allows. */
    public double sustainedPerMinute() {
        return refillTokens * 60e9 / refillPeriod.toNanos();
    }
}
