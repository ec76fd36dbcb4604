package dev.llmbatch.core.admission;

import dev.llmbatch.core.config.DeploymentConfig;
import dev.llmbatch.core.estimate.PromptRule;
import dev.llmbatch.core.time.Ticker;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Admission for one deployment, exact to the service's windows (reference 3.3): a log of the tokens admitted over the
 * last 60 s + margin and one of the requests admitted over the last 10 s + margin; a request is admitted only when
 * neither log would exceed the deployment's TPM, or ceil(RPM/6), with it. The margin covers requests reaching the
 * service up to that much later than we admitted them: an arrival window of the service's length then always lies
 * inside one of our log windows, so no service window can go over, at any deployment size. (A token bucket cannot do
 * this for small limits: to never exceed N in a window it must keep a burst B >= 1 and so loses B/N of the rate,
 * 10% at 60 RPM. The logs lose only margin / (window + margin): 2.4% of the requests, 0.4% of the tokens.)
 *
 * <p>A cooldown is set when the service answers 429; the deployment's {@link CircuitBreaker} is consulted by the
 * selector separately from the quota. Each admission also records what the request would cost under every
 * {@link PromptRule}, over the service's exact 60 s window, so that {@link #observeRemaining} can compare the
 * service's {@code x-ratelimit-remaining-tokens} with each rule's prediction (see {@code ReservationCalibrator}).
 *
 * <p>Thread-safe: the logs are guarded by this object's monitor (uncontended on one event loop); the call-slot count
 * is atomic.
 */
public final class DeploymentLimiter {
    private static final Duration TOKEN_WINDOW = Duration.ofSeconds(60);
    private static final Duration REQUEST_WINDOW = Duration.ofSeconds(10);
    /**
     * How long after an admission its answer can still be checked against the service's count: the charge log keeps
     * this much more than the service's window, so the window the service counted at that admission is still known.
     */
    private static final long CHECKABLE_NANOS = Duration.ofSeconds(30).toNanos();
    /**
     * A request admitted this long (plus the margin) before the service's window began may still be in the window the
     * service counted (its clock and ours see the edge a little apart): the floor of what it has left counts it too.
     */
    private static final long EDGE_SLACK_NANOS = Duration.ofSeconds(1).toNanos();
    private final long edgeNanos;
    /** Columns of the charge log: a request's cost under each prompt rule. */
    private static final PromptRule[] RULES = PromptRule.values();

    private final DeploymentConfig config;
    private final Ticker ticker;
    private final long tokenLimit;
    private final long requestLimit;
    private final long largestRequest;
    /** Tokens reserved (and corrections), over the token window + margin: the admission decision. */
    private final WindowLog tokens;
    /** Requests admitted (and corrections), over the request window + margin. */
    private final WindowLog requests;
    /** Our own requests' cost under each rule, over exactly the service's token window: the predictions. */
    private final WindowLog charges;
    /**
     * Pacers (bucket4j): the logs alone would admit a whole window's quota in one burst and then replay that burst
     * every window, so a request delayed past the margin at a burst's edge would find the service's window full. A
     * bucket refilling at exactly the limit per window, with a small burst, spreads admissions evenly; it never binds
     * below the logs' rate (limit per window + margin), so it costs no throughput.
     */
    private final Bucket tokenPacer;
    private final Bucket requestPacer;
    /** Tokens and requests added as corrections so far (never decreases): dedupes corrections, see observe. */
    private long correctedTokens;
    private long correctedRequests;
    private long coolUntilNanos;
    private boolean cooling;
    /** The service's code while the deployment is misconfigured (401/403/404), null while it answers. */
    private String misconfigured;
    private long serviceRemainingTokens = -1;
    private long serviceRemainingRequests = -1;
    /** When the next probe call may go to a misconfigured deployment. */
    private long probeAtNanos;
    /** Set when a shared store refused: another worker has the room until then (not a 429: nothing is drained). */
    private long holdUntilNanos;
    private boolean holding;
    /** The share of the limits this worker may use on its own (1 unless a shared store is unreachable). */
    private long effectiveTokenLimit;
    private long effectiveRequestLimit;
    /** Whether a shared store holds the fleet's windows: the service's headers then speak of the fleet, not of us. */
    private volatile boolean shared;
    /** Whether a shared store paces the fleet (this worker's pacers then stand aside). */
    private boolean fleetPaced;
    private final long tokenBurst;
    private final long requestBurst;
    private long probeIntervalNanos = DEFAULT_PROBE_INTERVAL.toNanos();
    /** How often a misconfigured deployment gets one probe call, unless set otherwise. */
    public static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofSeconds(30);
    private final AtomicInteger inFlight = new AtomicInteger();
    private final int maxConcurrent;
    private final CircuitBreaker breaker;

    /** The default share of a window's limit a deployment may admit at once (its pacers' burst). */
    public static final double DEFAULT_BURST_FRACTION = 0.02;

    /** A limiter without a limit on concurrent calls and with an always-closed breaker. */
    public DeploymentLimiter(DeploymentConfig config, Ticker ticker, long largestRequest, Duration margin) {
        this(config, ticker, largestRequest, margin, Integer.MAX_VALUE, CircuitBreaker.disabled());
    }

    /** A limiter with the default pacing burst. */
    public DeploymentLimiter(DeploymentConfig config, Ticker ticker, long largestRequest, Duration margin,
            int maxConcurrent, CircuitBreaker breaker) {
        this(config, ticker, largestRequest, margin, maxConcurrent, breaker, DEFAULT_BURST_FRACTION);
    }

    /**
     * @param largestRequest the largest reservation a request may make (the pool's max-request-tokens); capped at
     *                       this deployment's TPM (the service never admits more in one window)
     * @param margin         how much later than admitted a request may reach the service
     * @param maxConcurrent  calls in flight at most (the HTTP pool size: a call admitted beyond it would only wait
     *                       for a connection, holding its reservation while the service's window moves on)
     * @param breaker        this deployment's health, consulted by {@link RegionSelector}
     * @param burstFraction  the share of a window's limit the pacers let through at once (at least one request and
     *                       the largest request)
     */
    public DeploymentLimiter(DeploymentConfig config, Ticker ticker, long largestRequest, Duration margin,
            int maxConcurrent, CircuitBreaker breaker, double burstFraction) {
        this.config = config;
        this.breaker = breaker;
        this.ticker = ticker;
        this.maxConcurrent = maxConcurrent;
        this.tokenLimit = config.tpm();
        this.requestLimit = (config.rpm() + 5) / 6;
        this.largestRequest = Math.max(1, Math.min(largestRequest, config.tpm()));
        this.effectiveTokenLimit = tokenLimit;
        this.effectiveRequestLimit = requestLimit;
        this.tokens = new WindowLog(TOKEN_WINDOW.plus(margin).toNanos(), 1);
        this.requests = new WindowLog(REQUEST_WINDOW.plus(margin).toNanos(), 1);
        this.charges = new WindowLog(TOKEN_WINDOW.toNanos() + 2 * CHECKABLE_NANOS, RULES.length);
        TimeMeter meter = new TickerTimeMeter(ticker);
        this.tokenBurst = Math.max(this.largestRequest, (long) Math.ceil(burstFraction * tokenLimit));
        this.requestBurst = Math.max(1, (long) Math.ceil(burstFraction * requestLimit));
        this.tokenPacer = pacer(tokenLimit, TOKEN_WINDOW, tokenBurst, meter);
        this.requestPacer = pacer(requestLimit, REQUEST_WINDOW, requestBurst, meter);
        this.edgeNanos = margin.toNanos() + EDGE_SLACK_NANOS;
    }

    /** Tokens per minute a deployment sustains under this admission: its TPM x 60 s / (60 s + margin). */
    public static double sustainedTokensPerMinute(DeploymentConfig d, Duration margin) {
        return d.tpm() * 60e9 / TOKEN_WINDOW.plus(margin).toNanos();
    }

    /** Requests per minute a deployment sustains: ceil(RPM / 6) per (10 s + margin). */
    public static double sustainedRequestsPerMinute(DeploymentConfig d, Duration margin) {
        return ((d.rpm() + 5) / 6) * 60e9 / REQUEST_WINDOW.plus(margin).toNanos();
    }

    /** The largest single request a deployment admits for a pool whose largest request is {@code largestRequest}. */
    public static long largestAdmissible(DeploymentConfig d, long largestRequest) {
        return Math.max(1, Math.min(largestRequest, d.tpm()));
    }

    private static Bucket pacer(long limit, Duration window, long burst, TimeMeter meter) {
        return Bucket.builder().withCustomTimePrecision(meter)
                .addLimit(l -> l.capacity(Math.min(limit, burst)).refillGreedy(limit, window))
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

    /** The largest reservation this deployment grants to one request. */
    public long largestAdmissible() {
        return largestRequest;
    }

    /** Tokens per token window (the TPM). */
    public long tokenLimit() {
        return tokenLimit;
    }

    /** Requests per request window: ceil(RPM / 6) per 10 s. */
    public long requestLimit() {
        return requestLimit;
    }

    /** {@link #tryAcquire(RequestCost)} for a cost with no rule information. */
    public boolean tryAcquire(long cost) {
        return tryAcquire(RequestCost.flat(cost)) != null;
    }

    /**
     * Reserves the cost, one request and one call slot if both windows have room, the deployment is not cooling and
     * not at its concurrency limit. A successful acquire must be followed by {@link #release()} when the call ends.
     *
     * @return the admission (hand it back to {@link #observeRemaining}), or null when not admitted
     */
    public Admission tryAcquire(RequestCost cost) {
        if (cost.reserve() > largestRequest) {
            return null;
        }
        synchronized (this) {
            long now = ticker.nanos();
            if (coolingAt(now) || holdingAt(now) || (misconfigured != null && probeAtNanos - now > 0)) {
                return null;
            }
            tokens.expire(now);
            requests.expire(now);
            if (tokens.sum(0) + cost.reserve() > effectiveTokenLimit
                    || requests.sum(0) + 1 > effectiveRequestLimit) {
                return null;
            }
            if (inFlight.incrementAndGet() > maxConcurrent) {
                inFlight.decrementAndGet();
                return null;
            }
            boolean paced = !fleetPaced;
            if (paced && !tokenPacer.tryConsume(cost.reserve())) {
                inFlight.decrementAndGet();
                return null;
            }
            if (paced && !requestPacer.tryConsume(1)) {
                tokenPacer.addTokens(cost.reserve());
                inFlight.decrementAndGet();
                return null;
            }
            if (misconfigured != null) {
                // This call is the probe: no other until it answers (or the probe interval passes).
                probeAtNanos = now + probeIntervalNanos;
            }
            tokens.add(now, cost.reserve());
            requests.add(now, 1);
            charges.expire(now);
            charges.add(now, cost.under(RULES[0]), cost.under(RULES[1]), cost.under(RULES[2]));
            long[] predicted = new long[RULES.length];
            for (int c = 0; c < RULES.length; c++) {
                predicted[c] = tokenLimit - charges.sumWithin(c, now, TOKEN_WINDOW.toNanos());
            }
            return new Admission(now, cost, tokenLimit - tokens.sum(0), requestLimit - requests.sum(0), predicted,
                    correctedTokens, correctedRequests, paced);
        }
    }

    /**
     * Takes back an admission that never became a call (a shared store refused it, or it is to be re-admitted):
     * its tokens, request and call slot are free again.
     */
    public synchronized void cancel(Admission a) {
        RequestCost c = a.cost();
        tokens.add(a.atNanos(), -c.reserve());
        requests.add(a.atNanos(), -1);
        charges.add(a.atNanos(), -c.under(RULES[0]), -c.under(RULES[1]), -c.under(RULES[2]));
        if (a.paced()) {
            tokenPacer.addTokens(c.reserve());
            requestPacer.addTokens(1);
        }
        inFlight.decrementAndGet();
    }

    /** A shared store said another worker holds the room: admit nothing here for {@code nanos}. */
    public synchronized void holdFor(long nanos) {
        long until = ticker.nanos() + Math.max(0, nanos);
        if (!holding || until - holdUntilNanos > 0) {
            holdUntilNanos = until;
            holding = true;
        }
    }

    private boolean holdingAt(long now) {
        if (holding && holdUntilNanos - now <= 0) {
            holding = false;
        }
        return holding;
    }

    /**
     * The share of the deployment's limits this worker may fill on its own: 1 alone or with a shared store, less while
     * a shared store is unreachable (a conservative guess of its part of the fleet). A single request up to the largest
     * admissible is still let through, so no job waits forever on a small share.
     */
    public synchronized void setShare(double share) {
        double s = Math.max(0.0, Math.min(1.0, share));
        effectiveTokenLimit = Math.max(Math.min(largestRequest, tokenLimit), (long) Math.floor(tokenLimit * s));
        effectiveRequestLimit = Math.max(1, (long) Math.floor(requestLimit * s));
    }

    /** Whether a shared store holds the fleet's windows (see {@link #observeRemaining}). */
    public void setShared(boolean shared) {
        this.shared = shared;
    }

    /**
     * Whether a shared store paces the fleet: it gives every request its turn at the quota's rate, so this worker's
     * own pacers would only hold back requests that could be booked together. Its windows and call slots still apply.
     */
    public synchronized void setFleetPaced(boolean fleetPaced) {
        this.fleetPaced = fleetPaced;
    }

    /** How often a misconfigured deployment gets one probe call. */
    public synchronized void setProbeInterval(Duration interval) {
        this.probeIntervalNanos = Math.max(1, interval.toNanos());
    }

    /** Tokens the pacer lets through at once: the larger of the burst fraction of TPM and the largest request. */
    public long tokenBurst() {
        return tokenBurst;
    }

    /** Requests the pacer lets through at once. */
    public long requestBurst() {
        return requestBurst;
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
    public synchronized long nanosUntilAdmissible(long cost) {
        if (cost > largestRequest) {
            return Long.MAX_VALUE;
        }
        long now = ticker.nanos();
        long cool = Math.max(coolingAt(now) ? coolUntilNanos - now : 0, holdingAt(now) ? holdUntilNanos - now : 0);
        if (misconfigured != null) {
            cool = Math.max(cool, probeAtNanos - now);
        }
        tokens.expire(now);
        requests.expire(now);
        long tok = tokens.nanosUntilSumAtMost(effectiveTokenLimit - cost, now);
        long req = requests.nanosUntilSumAtMost(effectiveRequestLimit - 1, now);
        long pace = fleetPaced ? 0 : Math.max(tokenPacer.estimateAbilityToConsume(cost).getNanosToWaitForRefill(),
                requestPacer.estimateAbilityToConsume(1).getNanosToWaitForRefill());
        return Math.max(Math.max(cool, pace), Math.max(tok, req));
    }

    /** The service said 429: stop sending here for {@code d} (a later deadline wins over an earlier one). */
    public synchronized void coolDown(Duration d) {
        long until = ticker.nanos() + Math.max(0, d.toNanos());
        if (!cooling || until - coolUntilNanos > 0) {
            coolUntilNanos = until;
            cooling = true;
        }
        // The service's window is evidently fuller than our model of it: nothing saved up survives the cooldown.
        tokenPacer.tryConsumeAsMuchAsPossible();
        requestPacer.tryConsumeAsMuchAsPossible();
    }

    public synchronized boolean isCooling() {
        return coolingAt(ticker.nanos());
    }

    private boolean coolingAt(long now) {
        // Ticker readings are meaningful as differences only (they may be negative): compare with a live deadline.
        if (cooling && coolUntilNanos - now <= 0) {
            cooling = false;
        }
        return cooling;
    }

    /** Remaining cooldown, zero when not cooling. */
    public synchronized Duration coolingRemaining() {
        long now = ticker.nanos();
        return coolingAt(now) ? Duration.ofNanos(coolUntilNanos - now) : Duration.ZERO;
    }

    /**
     * Compares what the service said it had left after admitting a request ({@code x-ratelimit-remaining-*}, -1 when
     * absent) with what our windows predicted at that admission. When it has less room than we thought (another client
     * shares the deployment, or its estimate exceeds our reservation), the difference is recorded in our windows at the
     * admission's time, so it expires when the service's does; corrections made since that admission count against
     * it, so concurrent answers reporting the same shortfall correct it once. We never add room on its word.
     *
     * @return the observation, for calibrating the prompt rule (null when the answer carried no token header)
     */
    public synchronized Observation observeRemaining(long remainingTokens, long remainingRequests, Admission a) {
        long now = ticker.nanos();
        serviceRemainingTokens = remainingTokens;
        serviceRemainingRequests = remainingRequests;
        if (shared) {
            // The service's count includes the other workers: our own windows must not take it for a shortfall.
            remainingRequests = -1;
        }
        if (remainingRequests >= 0 && a != null) {
            long missing = a.predictedRequests() - remainingRequests - (correctedRequests - a.correctedRequests());
            if (missing > 0) {
                requests.expire(now);
                requests.add(a.atNanos(), missing);
                correctedRequests += missing;
            }
        }
        if (remainingTokens < 0 || a == null) {
            return null;
        }
        long missing = a.predictedTokens() - remainingTokens - (correctedTokens - a.correctedTokens());
        if (missing > 0 && !shared) {
            tokens.expire(now);
            tokens.add(a.atNanos(), missing);
            correctedTokens += missing;
        }
        // The least the service can have left under each rule: it may have counted every request we admitted until
        // now (requests overtake each other on the way), over the window that was current at this admission.
        long since = now - a.atNanos();
        long[] floor = new long[RULES.length];
        for (int c = 0; c < RULES.length; c++) {
            floor[c] = since > CHECKABLE_NANOS ? Long.MIN_VALUE
                    : tokenLimit - charges.sumWithin(c, now, since + TOKEN_WINDOW.toNanos() + edgeNanos);
        }
        return new Observation(remainingTokens, a.predictedTokens(), a.predictedByRule().clone(), floor, a.cost(),
                tokenLimit);
    }

    /** {@link #observeRemaining(long, long, Admission)} without an admission to compare with: nothing to learn. */
    public void observeRemaining(long remainingTokens, long remainingRequests) {
        observeRemaining(remainingTokens, remainingRequests, null);
    }

    /**
     * Free share of the tighter of the two windows, 0..1 (0 while cooling); used to prefer the region with the most
     * room.
     */
    public synchronized double room() {
        long now = ticker.nanos();
        if (misconfigured != null) {
            // A due probe goes first, so a deployment that was fixed is found while the others still have room.
            return probeAtNanos - now <= 0 && !coolingAt(now) ? 1 : 0;
        }
        if (coolingAt(now)) {
            return 0;
        }
        tokens.expire(now);
        requests.expire(now);
        double t = (double) Math.max(0, tokenLimit - tokens.sum(0)) / tokenLimit;
        double r = (double) Math.max(0, requestLimit - requests.sum(0)) / requestLimit;
        return Math.min(t, r);
    }

    /**
     * The service said the deployment itself is wrong (401, 403, 404 with {@code code}): admit nothing but one probe
     * call per probe interval until an answer shows it works again.
     *
     * @return whether this changed the state (log it once)
     */
    public synchronized boolean misconfigure(String code) {
        boolean changed = misconfigured == null;
        misconfigured = code;
        probeAtNanos = ticker.nanos() + probeIntervalNanos;
        return changed;
    }

    /** A call answered: the deployment works. @return whether it was misconfigured until now (log it once) */
    public synchronized boolean answered() {
        boolean changed = misconfigured != null;
        misconfigured = null;
        return changed;
    }

    /** Probe a misconfigured deployment at once (its credentials were just refreshed, say). */
    public synchronized void probeSoon() {
        probeAtNanos = ticker.nanos();
    }

    /** The service's last x-ratelimit-remaining-tokens (-1: none seen). */
    public synchronized long serviceRemainingTokens() {
        return serviceRemainingTokens;
    }

    /** The service's last x-ratelimit-remaining-requests (-1: none seen). */
    public synchronized long serviceRemainingRequests() {
        return serviceRemainingRequests;
    }

    /** The service's code while misconfigured, null while the deployment answers. */
    public synchronized String misconfiguredCode() {
        return misconfigured;
    }

    /** Now on this limiter's (quota) clock. */
    public long nanos() {
        return ticker.nanos();
    }

    /**
     * Tokens and requests admitted here at or after {@code sinceNanos} that still count in the windows: what this
     * worker admitted on its own while a shared store was away, for the store to count when it is back.
     */
    public synchronized long[] admittedSince(long sinceNanos) {
        long now = ticker.nanos();
        tokens.expire(now);
        requests.expire(now);
        long within = Math.max(0, now - sinceNanos) + 1;
        return new long[] {tokens.sumWithin(0, now, within), requests.sumWithin(0, now, within)};
    }

    /** Tokens free in the token window now. */
    public synchronized long tokensAvailable() {
        tokens.expire(ticker.nanos());
        return Math.max(0, tokenLimit - tokens.sum(0));
    }

    /** Requests free in the request window now. */
    public synchronized long requestsAvailable() {
        requests.expire(ticker.nanos());
        return Math.max(0, requestLimit - requests.sum(0));
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

    /**
     * One admission: when it happened, what it reserved, and what our windows predicted the service would have left
     * right after it (by our reservations and corrections, and by each prompt rule over our own requests alone).
     * Immutable once made (do not modify the array).
     *
     * @param paced whether it went through this worker's pacers (not when a shared store paces the fleet)
     */
    public record Admission(long atNanos, RequestCost cost, long predictedTokens, long predictedRequests,
            long[] predictedByRule, long correctedTokens, long correctedRequests, boolean paced) {

        /** The remaining tokens predicted if the service used {@code rule} (our own traffic only). */
        public long predicted(PromptRule rule) {
            return predictedByRule[rule.ordinal()];
        }
    }

    /**
     * What the service reported after one of our requests, next to what each rule predicted.
     *
     * @param remaining   x-ratelimit-remaining-tokens
     * @param predicted   what our windows predicted (reservations and corrections)
     * @param byRule      predicted remaining per {@link PromptRule} ordinal, at the admission
     * @param floorByRule the least the service can have left per rule if it counted every request we admitted until
     *                    the answer (Long.MIN_VALUE when the answer came too late to tell)
     * @param cost        the request's cost
     * @param tokenLimit  the deployment's TPM
     */
    public record Observation(long remaining, long predicted, long[] byRule, long[] floorByRule, RequestCost cost,
            long tokenLimit) {

        public long predicted(PromptRule rule) {
            return byRule[rule.ordinal()];
        }

        public long floor(PromptRule rule) {
            return floorByRule[rule.ordinal()];
        }
    }
}
