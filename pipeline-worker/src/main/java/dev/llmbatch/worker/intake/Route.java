package dev.llmbatch.worker.intake;

import dev.llmbatch.core.job.ResolvedJob;
import dev.llmbatch.core.result.JobResult;

/**
 * What to do with one record read from the jobs topic, decided by the {@link Router} and applied by the loop. A
 * decision is applied through {@link #applyTo}: a new kind of decision must add a method to {@link Handler}, so a
 * handler that forgets it does not compile (Java 17 has no exhaustive switch over a sealed type). Immutable.
 */
sealed interface Route {

    /** Calls the one method of {@code h} that handles this decision. */
    void applyTo(Handler h);

    /** Applies decisions; one method per kind. */
    interface Handler {
        void dispatch(Dispatch d);

        void answer(Answer a);

        void deadLetter(DeadLetter d);

        void follow(Follow f);

        void skip(Skip s);
    }

    /** A job to send to the model. */
    record Dispatch(ResolvedJob job) implements Route {
        @Override
        public void applyTo(Handler h) {
            h.dispatch(this);
        }
    }

    /**
     * A result known without a call: an answer replayed for an id answered before, or {@code expired}. Published
     * at once; the record is then done.
     *
     * @param kind a label for metrics: {@code replayed} or {@code expired}
     */
    record Answer(JobResult result, String kind) implements Route {
        @Override
        public void applyTo(Handler h) {
            h.answer(this);
        }
    }

    /**
     * A record that is not a valid job: a DLQ copy with the reason and, if the job's id could be read, a
     * {@code rejected} result ({@code rejected} null otherwise). The record is then done.
     */
    record DeadLetter(String code, String message, JobResult rejected) implements Route {
        @Override
        public void applyTo(Handler h) {
            h.deadLetter(this);
        }
    }

    /** A job whose id is being answered right now: it gets that answer when it comes (the record stays pending). */
    record Follow() implements Route {
        static final Follow INSTANCE = new Follow();

        @Override
        public void applyTo(Handler h) {
            h.follow(this);
        }
    }

    /** A record the last commit records as answered already: nothing is done or published for it. */
    record Skip() implements Route {
        static final Skip INSTANCE = new Skip();

        @Override
        public void applyTo(Handler h) {
            h.skip(this);
        }
    }
}
