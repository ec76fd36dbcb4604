package dev.llmbatch.core.outcome;

import dev.llmbatch.core.result.ErrorInfo;
import dev.llmbatch.core.result.Status;
import java.time.Duration;

/**
 * What a request does after a call, as decided by {@link OutcomePolicy}. The caller applies a step through
 * {@link #fold}: a new kind of step is a new case of {@link Cases}, so every place that applies steps stops compiling
 * until it handles it (Java 17 has no exhaustive switch over sealed types; the fold is that check).
 */
public sealed interface NextStep {

    /** Applies this step: calls the one case of {@code cases} that matches it. */
    <R> R fold(Cases<R> cases);

    /** One method per kind of step. */
    interface Cases<R> {
        R answered(Answered step);

        R unpack(Unpack step);

        R answeredFiltered(AnsweredFiltered step);

        R resendUncut(ResendUncut step);

        R elsewhere(Elsewhere step);

        R putAside(PutAside step);

        R isolate(Isolate step);

        R backOff(BackOff step);

        R giveUp(GiveUp step);
    }

    /** A single request's answer: the job succeeds (and its answer's length is learned). */
    record Answered(CallOutcome.Success answer) implements NextStep {
        @Override
        public <R> R fold(Cases<R> c) {
            return c.answered(this);
        }
    }

    /** A packed request's answer: each item takes its own part; items without one go again. */
    record Unpack(CallOutcome.Success answer) implements NextStep {
        @Override
        public <R> R fold(Cases<R> c) {
            return c.unpack(this);
        }
    }

    /** A single request whose answer the service's content filter withheld: a {@code filtered} result. */
    record AnsweredFiltered(CallOutcome.Success answer) implements NextStep {
        @Override
        public <R> R fold(Cases<R> c) {
            return c.answeredFiltered(this);
        }
    }

    /** An answer cut by a learned max_tokens (not the job's own): send again with the job's own limit. */
    record ResendUncut(CallOutcome.Success answer) implements NextStep {
        @Override
        public <R> R fold(Cases<R> c) {
            return c.resendUncut(this);
        }
    }

    /**
     * A 429: cool the deployment for {@code cooldown} (the service's retry-after, capped) and admit the request again
     * at once, elsewhere. Never counts as a failed attempt.
     */
    record Elsewhere(CallOutcome.RateLimited limit, Duration cooldown) implements NextStep {
        @Override
        public <R> R fold(Cases<R> c) {
            return c.elsewhere(this);
        }
    }

    /**
     * The deployment is misconfigured (401, 403, 404): put it aside (no calls until a probe shows it answers again)
     * and admit the request again at once, elsewhere. Never counts as a failed attempt.
     */
    record PutAside(CallOutcome.Misconfigured fault) implements NextStep {
        @Override
        public <R> R fold(Cases<R> c) {
            return c.putAside(this);
        }
    }

    /** A packed request failed as a whole for a reason one item's text can cause: send each item alone. */
    record Isolate(String reason) implements NextStep {
        @Override
        public <R> R fold(Cases<R> c) {
            return c.isolate(this);
        }
    }

    /** A retriable failure: wait {@code delay} (quota clock), then admit again, preferring another deployment. */
    record BackOff(Duration delay) implements NextStep {
        @Override
        public <R> R fold(Cases<R> c) {
            return c.backOff(this);
        }
    }

    /** Stop: every job of the request gets a result with this status and error. */
    record GiveUp(Status status, ErrorInfo error) implements NextStep {
        @Override
        public <R> R fold(Cases<R> c) {
            return c.giveUp(this);
        }
    }
}
