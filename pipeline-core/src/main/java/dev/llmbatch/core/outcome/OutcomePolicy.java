package dev.llmbatch.core.outcome;

import dev.llmbatch.core.retry.RetryPolicy;
import java.time.Duration;

/**
 * What a request does after a call: a pure function of the call's outcome and the request's state, returning a
 * {@link NextStep}. Scheduling it (queues, timers, results) is the dispatcher's business. Thread-safe.
 *
 * <p>The policies apply in this order, the first that matches deciding:
 * <ol>
 *   <li><b>Answer</b> (HTTP 200 with a usable body): a packed request is unpacked; a single request's answer
 *       withheld by the content filter gives a {@code filtered} result; one cut ({@code length}) under a learned
 *       max_tokens is sent again with the job's own limit; any other answer succeeds, {@code length} included (the
 *       job's own limit cut it: the partial answer is the result).</li>
 *   <li><b>Quota</b> (429): the deployment cools for the service's retry-after, capped at {@code max-cooldown}, and
 *       the request is admitted again at once elsewhere. Not a failure: quota delays a job, never fails it.</li>
 *   <li><b>Deployment fault</b> (401, 403, 404): the deployment is put aside as misconfigured until a probe
 *       answers, and the request is admitted again at once elsewhere (or waits for a deployment). Not a failure of
 *       the job: a wrong key or deployment name is the operator's to fix, and the job is answered once one is.</li>
 *   <li><b>Isolation</b>: a packed request refused as a whole for a reason one item can cause (400, content filter)
 *       sends each item alone, so only the item at fault fails.</li>
 *   <li><b>Retry</b> ({@link RetryPolicy}): a retriable failure (5xx, timeouts, connection errors, garbled 200) backs
 *       off with jitter and tries again, preferring another deployment, until the attempt budget is spent.</li>
 *   <li><b>Give up</b>: the attempt budget is spent, or the failure is the job's own (400, filtered): a final
 *       result.</li>
 * </ol>
 */
public final class OutcomePolicy {
    private final RetryPolicy retry;
    private final Duration maxCooldown;

    public OutcomePolicy(RetryPolicy retry, Duration maxCooldown) {
        this.retry = retry;
        this.maxCooldown = maxCooldown;
    }

    /**
     * @param packed         whether the request packs several jobs
     * @param learnedBudget  whether its max_tokens is a learned budget below the jobs' own limits
     * @param failedBefore   failed attempts before this call (a {@link NextStep.BackOff} adds this one)
     * @param random         a uniform draw in [0, 1) for jitter
     */
    public NextStep decide(CallOutcome outcome, boolean packed, boolean learnedBudget, int failedBefore,
            double random) {
        if (outcome instanceof CallOutcome.Success s) {
            if (packed) {
                return new NextStep.Unpack(s);
            }
            if ("content_filter".equals(s.finishReason())) {
                return new NextStep.AnsweredFiltered(s);
            }
            if ("length".equals(s.finishReason()) && learnedBudget) {
                return new NextStep.ResendUncut(s);
            }
            return new NextStep.Answered(s);
        }
        if (outcome instanceof CallOutcome.RateLimited r) {
            return new NextStep.Elsewhere(r, r.retryAfter().compareTo(maxCooldown) > 0 ? maxCooldown : r.retryAfter());
        }
        if (outcome instanceof CallOutcome.Misconfigured m) {
            return new NextStep.PutAside(m);
        }
        if (packed && (outcome instanceof CallOutcome.Permanent || outcome instanceof CallOutcome.Filtered)) {
            return new NextStep.Isolate("batch_" + outcome.label());
        }
        RetryPolicy.Decision d = retry.decide(outcome, failedBefore + 1, random);
        if (d instanceof RetryPolicy.Decision.Backoff b) {
            return new NextStep.BackOff(b.delay());
        }
        if (d instanceof RetryPolicy.Decision.GiveUp g) {
            return new NextStep.GiveUp(g.status(), g.error());
        }
        // Reroute is only decided for a 429, handled above.
        throw new IllegalStateException("no next step for " + outcome.label() + " after " + d);
    }
}
