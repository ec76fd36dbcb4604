package dev.llmbatch.simulator.quota;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One deployment's admission control, exactly as measured on Azure OpenAI Standard deployments (reference 3.3):
 * a 60 s sliding window of charged tokens capped at TPM, a 10 s sliding window of requests capped at
 * {@code ceil(RPM / 6)}, and optionally a 1 s window capped at {@code ceil(RPM / 60)}. A request that would overflow
 * any window is refused with the time until it would fit (the larger wait when several overflow) and nothing is
 * recorded; an admitted request is recorded in every window.
 *
 * <p>A request costing more than TPM can never fit: with {@code rejectOversize} it is refused with a 60 s
 * retry-after; without it, it is admitted when the token window is empty (one burst over the limit).
 *
 * <p>Not thread-safe: confine to one thread. Limits may change at runtime ({@link #setLimits}); recorded entries
 * are kept.
 */
public final class RateLimiter {
    private static final Duration TOKEN_WINDOW = Duration.ofSeconds(60);
    private static final Duration REQUEST_WINDOW = Duration.ofSeconds(10);
    private static final Duration SHORT_REQUEST_WINDOW = Duration.ofSeconds(1);

    private final SlidingWindow tokens = new SlidingWindow(TOKEN_WINDOW);
    private final SlidingWindow requests = new SlidingWindow(REQUEST_WINDOW);
    private final SlidingWindow shortRequests;
    private final boolean rejectOversize;
    private long tpm;
    private long rpm;

    /**
     * @param tpm tokens per minute (> 0)
     * @param rpm requests per minute (> 0)
     * @param oneSecondWindow whether to add the 1 s window of {@code ceil(RPM / 60)}
     * @param rejectOversize whether a request costing more than TPM is always refused
     */
    public RateLimiter(long tpm, long rpm, boolean oneSecondWindow, boolean rejectOversize) {
        setLimits(tpm, rpm);
        this.shortRequests = oneSecondWindow ? new SlidingWindow(SHORT_REQUEST_WINDOW) : null;
        this.rejectOversize = rejectOversize;
    }

    /** Changes TPM and RPM from now on. */
    public void setLimits(long tpm, long rpm) {
        if (tpm <= 0 || rpm <= 0) {
            throw new IllegalArgumentException("tpm and rpm must be > 0, got " + tpm + " and " + rpm);
        }
        this.tpm = tpm;
        this.rpm = rpm;
    }

    /** Current TPM. */
    public long tpm() {
        return tpm;
    }

    /** Current RPM. */
    public long rpm() {
        return rpm;
    }

    /** The 10 s request cap, {@code ceil(RPM / 6)}. */
    public long requestCap() {
        return (rpm + 5) / 6;
    }

    /** The 1 s request cap, {@code ceil(RPM / 60)}. */
    public long shortRequestCap() {
        return (rpm + 59) / 60;
    }

    /** Tokens charged in the 60 s window ending at {@code now}. */
    public long usedTokens(long now) {
        return tokens.sum(now);
    }

    /** Tries to admit a request costing {@code cost} tokens at {@code now}. */
    public Decision tryAcquire(long now, long cost) {
        long used = tokens.sum(now);
        long inWindow = requests.count(now);
        long requestCap = requestCap();

        long requestWait = requests.nanosUntilFreed(now, inWindow + 1 - requestCap);
        if (shortRequests != null) {
            long shortWait = shortRequests.nanosUntilFreed(now, shortRequests.count(now) + 1 - shortRequestCap());
            requestWait = Math.max(requestWait, shortWait);
        }

        long tokenWait;
        if (cost > tpm) {
            tokenWait = rejectOversize ? TOKEN_WINDOW.toNanos() : tokens.nanosUntilFreed(now, used);
        } else {
            tokenWait = tokens.nanosUntilFreed(now, used + cost - tpm);
        }

        if (tokenWait > 0 || requestWait > 0) {
            Decision.Limit limit = tokenWait >= requestWait ? Decision.Limit.TOKENS : Decision.Limit.REQUESTS;
            long wait = Math.min(Math.max(tokenWait, requestWait), TimeUnit.DAYS.toNanos(1));
            return new Decision(false, limit, wait, Math.max(0, tpm - used), Math.max(0, requestCap - inWindow));
        }
        tokens.add(now, cost);
        requests.add(now, 1);
        if (shortRequests != null) {
            shortRequests.add(now, 1);
        }
        return new Decision(true, null, 0, Math.max(0, tpm - used - cost), Math.max(0, requestCap - inWindow - 1));
    }
}
