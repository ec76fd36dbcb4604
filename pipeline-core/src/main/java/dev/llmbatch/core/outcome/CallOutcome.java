package dev.llmbatch.core.outcome;

import java.time.Duration;

/**
 * What one chat-completion call came to, classified once at the HTTP boundary by {@link OutcomeClassifier}. Every
 * later decision (retry, reroute, result status) switches over this type; nothing downstream looks at status codes
 * or error strings again.
 */
public sealed interface CallOutcome {

    /** HTTP status (0 when no response arrived), for traces and metrics. */
    int status();

    /** Short label for traces: the status code, or a transport failure name. */
    default String label() {
        return Integer.toString(status());
    }

    /**
     * 200 with a usable answer. {@code finishReason} {@code content_filter} means the output was filtered.
     * {@code remainingTokens}/{@code remainingRequests} are the service's x-ratelimit-remaining-* values, -1 if absent.
     */
    record Success(String content, String finishReason, int promptTokens, int completionTokens,
            long remainingTokens, long remainingRequests) implements CallOutcome {
        @Override
        public int status() {
            return 200;
        }
    }

    /**
     * 429: the deployment is out of quota (or shedding load). {@code retryAfter} is how long to cool it, taken from
     * the first source present among retry-after-ms, retry-after, x-ratelimit-reset-*, the message text, else the
     * configured default; {@code source} names which.
     */
    record RateLimited(Duration retryAfter, RetryAfter.Source source, Kind kind) implements CallOutcome {
        @Override
        public int status() {
            return 429;
        }

        /** Which limit the service said was hit. */
        public enum Kind { TOKENS, REQUESTS, CAPACITY, UNKNOWN }
    }

    /** Worth retrying, preferably elsewhere: 408, 5xx, a timeout, a broken connection or a garbled 200. */
    record Retriable(int status, String code, String message) implements CallOutcome {
        @Override
        public String label() {
            return status == 0 ? code : Integer.toString(status);
        }
    }

    /**
     * The deployment, not the job, is at fault: 401 (a wrong or rotated key, an expired token), 403 (network rules,
     * a missing role) or 404 (no such deployment or route). The deployment is put aside; the job goes elsewhere.
     */
    record Misconfigured(int status, String code, String message) implements CallOutcome {
    }

    /** The service refused the job for good (400 and the like): retrying it anywhere will not help. */
    record Permanent(int status, String code, String message) implements CallOutcome {
    }

    /** The prompt was blocked by the service's content filter (400 content_filter). */
    record Filtered(int status, String code, String message) implements CallOutcome {
    }
}
