package dev.llmbatch.core.admission;

import dev.llmbatch.core.config.DeploymentConfig;
import dev.llmbatch.core.time.Ticker;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Admission for one deployment: a bucket4j bucket for tokens (TPM, 60 s window) and one for requests (RPM/6 per
 * 10 s), both shaped by {@link BucketShape}, plus a cooldown set when the service answers 429, and the
 * deployment's {@link CircuitBreaker} (consulted by the selector, separately from the quota). A request is admitted
 * only when both buckets grant it; it then has its estimate reserved (the service does not refund unused tokens, so
 * neither do we).
 *
 * <p>Thread-safe: the buckets are lock-free, the cooldown deadline and the call-slot count are atomics. Callers on
 * one event loop see no contention.
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
    /** Deadline of the current cooldown, or {@link #NOT_COOLING}. */
    private final AtomicLong coolUntilNanos = new AtomicLong(NOT_COOLING);
    private final AtomicInteger inFlight = new AtomicInteger();
    private final int maxConcurrent;
    private final CircuitBreaker breaker;

    private static final long NOT_COOLING = Long.MIN_VALUE;
    /**
     * A deployment keeps a burst of at most this share of its TPM for the largest request; a small deployment thus
     * takes smaller requests only (larger ones go to bigger deployments) instead of losing half its sustained rate.
     */
    static final double LARGE_REQUEST_SHARE = 0.1;

    /** A limiter without a limit on concurrent calls. */
    public DeploymentLimiter(DeploymentConfig config, Ticker ticker, double burstFraction, long largestRequest,
            Duration margin) {
        this(config, ticker, burstFraction, largestRequest, margin, Integer.MAX_VALUE);
    }

    /**
     * @param largestRequest the largest reservation a request may make (the pool's max-request-tokens); capped at
     *                       {@link #LARGE_REQUEST_SHARE} of this deployment's TPM
     * @param maxConcurrent  calls in flight at most (the HTTP pool size: a call admitted beyond it would only wait
     *                       for a connection, holding its reservation while the service's window moves on)
     */
    public DeploymentLimiter(DeploymentConfig config, Ticker ticker, double burstFraction, long largestRequest,
            Duration margin, int maxConcurrent) {
        this(config, ticker, burstFraction, largestRequest, margin, maxConcurrent, CircuitBreaker.disabled());
    }

    /**
     * @param breaker this deployment's health, consulted by {@link RegionSelector} (the buckets here know nothing of
     *                it: quota and health are separate decisions)
     */
    public DeploymentLimiter(DeploymentConfig config, Ticker ticker, double burstFraction, long largestRequest,
            Duration margin, int maxConcurrent, CircuitBreaker breaker) {
        this.config = config;
        this.breaker = breaker;
        this.ticker = ticker;
        this.maxConcurrent = maxConcurrent;
        long minBurst = Math.min(largestRequest, Math.max(1, (long) Math.ceil(config.tpm() * LARGE_REQUEST_SHARE)));
        this.tokenShape = BucketShape.of(config.tpm(), TOKEN_WINDOW, burstFraction, minBurst, margin);
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

    /** The deployment's circuit breaker (always closed unless one was given). */
    public CircuitBreaker breaker() {
        return breaker;
    }

    public String id() {
        return config.id();
    }

    /** The largest reservation this deployment can ever grant at once. */
    public long largestAdmissible() {
        return tokenShape.capacity();
    }

    /**
     * Reserves {@code cost} tokens, one request and one call slot if both buckets have room, the deployment is not
     * cooling and not at its concurrency limit. A successful acquire must be followed by {@link #release()} when the
     * call ends.
     */
    public boolean tryAcquire(long cost) {
        if (cost > tokenShape.capacity() || isCooling()) {
            return false;
        }
        if (inFlight.incrementAndGet() > maxConcurrent) {
            inFlight.decrementAndGet();
            return false;
        }
        if (!tokens.tryConsume(cost)) {
            inFlight.decrementAndGet();
            return false;
        }
        if (!requests.tryConsume(1)) {
            tokens.addTokens(cost);
            inFlight.decrementAndGet();
            return false;
        }
        return true;
    }

    /** Ends a call admitted by {@link #tryAcquire}: frees its call slot (the quota reservation stays spent). */
    public void release() {
        inFlight.decrementAndGet();
    }

    /** Whether every call slot is taken; a slot frees when a call ends, not with time. */
    public boolean atConcurrencyLimit() {
        return inFlight.get() >= maxConcurrent;
    }

    public int inFlight() {
        return inFlight.get();
    }

    /** Nanoseconds until {@code cost} could be admitted here, or {@code Long.MAX_VALUE} if it never could. */
    public long nanosUntilAdmissible(long cost) {
        if (cost > tokenShape.capacity()) {
            return Long.MAX_VALUE;
        }
        // Only a live cooldown counts: ticker readings are meaningful as differences only (they may be negative),
        // so the never-set deadline 0 must not be compared with them.
        long until = coolUntilNanos.get();
        long cool = until == NOT_COOLING ? 0 : Math.max(0, until - ticker.nanos());
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
        coolUntilNanos.accumulateAndGet(until, (cur, next) -> cur == NOT_COOLING || next - cur > 0 ? next : cur);
        tokens.tryConsumeAsMuchAsPossible();
        requests.tryConsumeAsMuchAsPossible();
    }

    public boolean isCooling() {
        long until = coolUntilNanos.get();
        return until != NOT_COOLING && until - ticker.nanos() > 0;
    }

    /** Remaining cooldown, zero when not cooling. */
    public Duration coolingRemaining() {
        long until = coolUntilNanos.get();
        return until == NOT_COOLING ? Duration.ZERO : Duration.ofNanos(Math.max(0, until - ticker.nanos()));
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
