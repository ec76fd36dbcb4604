package dev.llmbatch.simulator.quota;

/**
 * The outcome of one admission attempt by a {@link RateLimiter}. Immutable.
 *
 * @param admitted whether the request was admitted (and charged)
 * @param limitedBy which limit refused it, {@code null} when admitted
 * @param retryAfterNanos simulated time until the request would fit, 0 when admitted
 * @param remainingTokens tokens left in the 60 s window after this decision (never negative)
 * @param remainingRequests requests left in the 10 s window after this decision (never negative)
 */
public record Decision(boolean admitted, Limit limitedBy, long retryAfterNanos, long remainingTokens,
                       long remainingRequests) {

    /** The limit that refused a request. */
    public enum Limit {
        /** The 60 s token window (TPM); Azure says "token rate limit". */
        TOKENS,
        /** A request window (RPM); Azure says "call rate limit". */
        REQUESTS
    }
}
