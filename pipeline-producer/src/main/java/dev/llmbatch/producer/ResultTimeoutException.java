package dev.llmbatch.producer;

import java.time.Duration;
import java.util.List;

/**
 * Thrown by {@link ResultFollower#await} when the timeout passed before every awaited id had a result. Carries how
 * many were awaited and missing and a few of the missing ids, so a caller can report or retry them. Immutable.
 */
public final class ResultTimeoutException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    /** How many missing ids the exception keeps as examples. */
    public static final int MAX_EXAMPLES = 10;

    private final int total;
    private final int missing;
    private final List<String> missingExamples;
    private final Duration timeout;

    ResultTimeoutException(int total, int missing, List<String> missingExamples, Duration timeout) {
        super("timed out after " + Durations.format(timeout) + " waiting for results: " + missing + " of " + total
                + " missing" + (missingExamples.isEmpty() ? "" : " (e.g. " + String.join(", ", missingExamples)
                + (missing > missingExamples.size() ? ", ..." : "") + ")"));
        this.total = total;
        this.missing = missing;
        this.missingExamples = List.copyOf(missingExamples);
        this.timeout = timeout;
    }

    /** Ids that were awaited. */
    public int total() {
        return total;
    }

    /** Ids still without a result when the timeout passed. */
    public int missing() {
        return missing;
    }

    /** Up to {@link #MAX_EXAMPLES} of the missing ids. */
    public List<String> missingExamples() {
        return missingExamples;
    }

    /** The timeout that passed. */
    public Duration timeout() {
        return timeout;
    }
}
