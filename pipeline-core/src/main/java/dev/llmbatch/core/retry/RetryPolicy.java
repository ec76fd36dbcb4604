package dev.llmbatch.core.retry;

import dev.llmbatch.core.config.WorkerSettings;
import dev.llmbatch.core.outcome.CallOutcome;
import dev.llmbatch.core.result.ErrorInfo;
import dev.llmbatch.core.result.Status;
import java.time.Duration;

/**
 * The retry decision as a pure function of (outcome, attempts so far, a random draw): what a job does next after a
 * call. Scheduling the decision (timers, queues) is the caller's business. Thread-safe.
 *
 * <ul>
 *   <li>429: {@link Decision.Reroute} at once; the region is cooled by the caller. Never counts against the attempt
 *       budget: quota exhaustion delays a job, it does not fail it.</li>
 *   <li>Retriable (5xx, 408, timeouts, connection errors, garbled 200): jittered exponential backoff, preferring
 *       another region, until {@code maxAttempts} failed attempts; then a {@code failed} result.</li>
 *   <li>Permanent (400, 401, 404, ...): a {@code failed} result with the service's code, no retry.</li>
 *   <li>Filtered: a {@code filtered} result.</li>
 * </ul>
 */
public final class RetryPolicy {
    private final int maxAttempts;
    private final WorkerSettings.Backoff backoff;

    public RetryPolicy(int maxAttempts, WorkerSettings.Backoff backoff) {
        this.maxAttempts = maxAttempts;
        this.backoff = backoff;
    }

    /**
     * @param outcome        the call's outcome (not a success)
     * @param failedAttempts retriable failures so far, including this one
     * @param random         a uniform draw in [0, 1) for jitter
     */
    public Decision decide(CallOutcome outcome, int failedAttempts, double random) {
        if (outcome instanceof CallOutcome.RateLimited) {
            return new Decision.Reroute();
        }
        if (outcome instanceof CallOutcome.Retriable r) {
            return failedAttempts >= maxAttempts
                    ? new Decision.GiveUp(Status.FAILED, new ErrorInfo(r.code(),
                            "gave up after " + failedAttempts + " attempts; last: " + r.message(), true))
                    : new Decision.Backoff(delay(failedAttempts, random));
        }
        if (outcome instanceof CallOutcome.Permanent p) {
            return new Decision.GiveUp(Status.FAILED, new ErrorInfo(p.code(), p.message(), false));
        }
        if (outcome instanceof CallOutcome.Filtered f) {
            return new Decision.GiveUp(Status.FILTERED, new ErrorInfo(f.code(), f.message(), false));
        }
        throw new IllegalArgumentException("a success needs no retry decision");
    }

    /** Backoff before retry number {@code failedAttempts}: exponential, capped, with proportional jitter. */
    Duration delay(int failedAttempts, double random) {
        double base = backoff.initial().toNanos() * Math.pow(backoff.multiplier(), Math.max(0, failedAttempts - 1));
        double capped = Math.min(base, backoff.max().toNanos());
        double jittered = capped * (1 - backoff.jitter() + backoff.jitter() * random);
        return Duration.ofNanos((long) jittered);
    }

    /** What to do after a failed call. */
    public sealed interface Decision {
        /** Re-admit at once, elsewhere (the failed region is cooling). */
        record Reroute() implements Decision {
        }

        /** Wait, then re-admit, preferring another region. */
        record Backoff(Duration delay) implements Decision {
        }

        /** Stop: publish a result with this status and error. */
        record GiveUp(Status status, ErrorInfo error) implements Decision {
        }
    }
}
