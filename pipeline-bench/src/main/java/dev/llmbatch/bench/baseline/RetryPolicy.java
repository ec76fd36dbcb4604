package dev.llmbatch.bench.baseline;

/**
 * The official OpenAI / Azure OpenAI SDKs' in-place retry: {@link #MAX_RETRIES} retries of a 429, 408, 409, 5xx or
 * connection error; the delay is {@code retry-after-ms}, else {@code retry-after} (seconds), when the hint is
 * in (0, 60 s]; otherwise {@code 0.5 s * 2^n} capped at 8 s (n = retries already made). The SDKs also take up to 25%
 * off the exponential delay at random; this deterministic version does not.
 */
public final class RetryPolicy {
    public static final int MAX_RETRIES = 2;
    static final long INITIAL_MS = 500;
    static final long MAX_MS = 8_000;
    static final long MAX_HINT_MS = 60_000;

    private RetryPolicy() {
    }

    /** True when the SDK retries this status (0 = transport failure). */
    public static boolean retryable(int status) {
        return status == 0 || status == 408 || status == 409 || status == 429 || status >= 500;
    }

    /**
     * Delay before retry number {@code retriesSoFar + 1}; {@code retryAfterMs} / {@code retryAfterS} are the
     * headers' values, or negative when absent or unparsable.
     */
    public static long delayMs(long retryAfterMs, long retryAfterS, int retriesSoFar) {
        long hint = retryAfterMs >= 0 ? retryAfterMs : retryAfterS >= 0 ? retryAfterS * 1000 : -1;
        if (hint > 0 && hint <= MAX_HINT_MS) {
            return hint;
        }
        return Math.min(MAX_MS, INITIAL_MS << Math.min(retriesSoFar, 20));
    }
}
