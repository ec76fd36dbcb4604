package dev.llmbatch.core.admission;

import dev.llmbatch.core.config.DeploymentConfig;
import dev.llmbatch.core.time.Ticker;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;

/**
 * Admission for one deployment: a bucket4j bucket for tokens (TPM, 60 s window) and one for requests (RPM/6 per
 * 10 s), both shaped by {@link BucketShape}, plus a cooldown set when the service answers 429. A request is admitted
 * only when both buckets grant it; it then has its estimate reserved (the service does not refund unused tokens, so
 * neither do we).
 *
 * <p>Thread-safe: the buckets are lock-free and the cooldown is a volatile deadline. Callers on one event loop see
 * no contention.
 */
public final class DeploymentLimiter {
    private static final Duration TOKEN_WINDOW = Duration.ofSeconds(60);
    private static final Duration REQUEST_WINDOW = Duration.ofSeconds(10);

    private final DeploymentConfig config;
    private final Ticker ticker;
    private final BucketShape tokenShape;
    private final BucketShape requestShape;
    private final Bucket tokens;
    private final Bucket requests;
    private volatile long coolUntilNanos;
    private volatile boolean cooling;

    public DeploymentLimiter(DeploymentConfig config, Ticker ticker, double burstFraction, long largestRequest,
            Duration margin) {
        this.config = config;
        this.ticker = ticker;
        this.tokenShape = BucketShape.of(config.tpm(), TOKEN_WINDOW, burstFraction, largestRequest, margin);
        this.requestShape = BucketShape.of((config.rpm() + 5) / 6, REQUEST_WINDOW, burstFraction, 1, margin);
        TimeMeter meter = new TickerTimeMeter(ticker);
        this.tokens = bucket(tokenShape, meter);
        this.requests = bucket(requestShape, meter);
    }

    private static Bucket bucket(BucketShape shape, TimeMeter meter) {
        return Bucket.builder()
                .withCustomTimePrecision(meter)
                .addLimit(limit -> limit.capacity(shape.capacity())
                        .refillGreedy(shape.refillTokens(), shape.refillPeriod()))
                .build();
    }

    public DeploymentConfig config() {
        return config;
    }

    public String id() {
        return config.id();
    }

    /** The largest reservation this deployment can ever grant at once. */
    public long largestAdmissible() {
        return tokenShape.capacity();
    }

    /** Reserves {@code cost} tokens and one request if both buckets have room and the deployment is not cooling. */
    public boolean tryAcquire(long cost) {
        if (cost > tokenShape.capacity() || isCooling()) {
            return false;
        }
        if (!tokens.tryConsume(cost)) {
            return false;
        }
        if (!requests.tryConsume(1)) {
            tokens.addTokens(cost);
            return false;
        }
        return true;
    }

    /** Nanoseconds until {@code cost} could be admitted here, or {@code Long.MAX_VALUE} if it never could. */
    public long nanosUntilAdmissible(long cost) {
        if (cost > tokenShape.capacity()) {
            return Long.MAX_VALUE;
        }
        // Only a live cooldown counts: ticker readings are meaningful as differences only (they may be negative),
        // so the never-set deadline 0 must not be compared with them.
        long cool = isCooling() ? Math.max(0, coolUntilNanos - ticker.nanos()) : 0;
        long tok = tokens.estimateAbilityToConsume(cost).getNanosToWaitForRefill();
        long req = requests.estimateAbilityToConsume(1).getNanosToWaitForRefill();
        return Math.max(cool, Math.max(tok, req));
    }

    /**
     * The service said 429: stop sending here for {@code d} and drop whatever the buckets had saved up, since the
     * service's window is evidently fuller than our model of it.
     */
    public void coolDown(Duration d) {
        long until = ticker.nanos() + Math.max(0, d.toNanos());
        if (until - coolUntilNanos > 0 || !cooling) {
            coolUntilNanos = until;
        }
        cooling = true;
        tokens.tryConsumeAsMuchAsPossible();
        requests.tryConsumeAsMuchAsPossible();
    }

    public boolean isCooling() {
        if (cooling && ticker.nanos() - coolUntilNanos >= 0) {
            cooling = false;
        }
        return cooling;
    }

    /** Remaining cooldown, zero when not cooling. */
    public Duration coolingRemaining() {
        return isCooling() ? Duration.ofNanos(coolUntilNanos - ticker.nanos()) : Duration.ZERO;
    }

    /**
     * Aligns the buckets with what the service reported as remaining (x-ratelimit-remaining-*): when it has less
     * room than we think (another client shares the deployment, or its estimate exceeds ours), we give up the
     * difference. We never add room on its word.
     */
    public void observeRemaining(long remainingTokens, long remainingRequests) {
        if (remainingTokens >= 0) {
            long excess = tokens.getAvailableTokens() - remainingTokens;
            if (excess > 0) {
                tokens.tryConsumeAsMuchAsPossible(excess);
            }
        }
        if (remainingRequests >= 0) {
            long excess = requests.getAvailableTokens() - remainingRequests;
            if (excess > 0) {
                requests.tryConsumeAsMuchAsPossible(excess);
            }
        }
    }

    /** Free share of the tighter of the two buckets, 0..1; used to prefer the region with the most room. */
    public double room() {
        double t = (double) Math.max(0, tokens.getAvailableTokens()) / tokenShape.capacity();
        double r = (double) Math.max(0, requests.getAvailableTokens()) / requestShape.capacity();
        return Math.min(t, r);
    }

    public BucketShape tokenShape() {
        return tokenShape;
    }

    public BucketShape requestShape() {
        return requestShape;
    }

    /** Adapts the injected ticker to bucket4j's time source. */
    private record TickerTimeMeter(Ticker ticker) implements TimeMeter {
        @Override
        public long currentTimeNanos() {
            return ticker.nanos();
        }

        @Override
        public boolean isWallClockBased() {
            return false;
        }
    }
}
