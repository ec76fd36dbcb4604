package dev.llmbatch.worker.dispatch;

import dev.llmbatch.core.config.AdaptiveMaxTokens;
import dev.llmbatch.core.estimate.AnswerLengths;
import dev.llmbatch.core.job.ResolvedJob;
import java.util.OptionalInt;

/**
 * The max_tokens each job is sent with: its own limit, or a budget learned from the answers to its instruction when
 * that is lower (see {@link AnswerLengths}). Learns from every answer, whether or not the job may use a learned
 * budget. Confined to the dispatcher's event loop.
 */
final class AnswerBudgets {
    /** Answers learned between two {@link #version()} steps: queued requests re-read their budgets then. */
    private static final int VERSION_STEP = 32;
    private final AnswerLengths lengths = new AnswerLengths();
    private long learned;

    /** The max_tokens to send: at most the job's own limit, never below 1. */
    int maxTokens(ResolvedJob job, boolean fullBudget) {
        AdaptiveMaxTokens a = job.adaptive();
        if (fullBudget || a == null || job.lengthKey() == null) {
            return job.maxTokens();
        }
        OptionalInt learned = lengths.budget(job.lengthKey(), a, job.inputTokens());
        if (learned.isEmpty() || learned.getAsInt() >= job.maxTokens()) {
            return job.maxTokens();
        }
        return Math.max(1, learned.getAsInt());
    }

    /**
     * Learns an answer's length.
     *
     * @param cutAtOwnLimit the answer was cut at the job's own limit (it is at least that long)
     */
    void learn(ResolvedJob job, int completionTokens, boolean cutAtOwnLimit) {
        if (job.lengthKey() == null) {
            return;
        }
        AdaptiveMaxTokens a = job.adaptive() == null ? AdaptiveMaxTokens.DEFAULTS : job.adaptive();
        lengths.observe(job.lengthKey(), a, job.inputTokens(), cutAtOwnLimit ? job.maxTokens() : completionTokens);
        learned++;
    }

    /** Changes every few answers learned: a request still queued since an older version re-reads its budgets. */
    long version() {
        return learned / VERSION_STEP;
    }

    /** Instructions learned. */
    int instructions() {
        return lengths.keys();
    }

    /** What was learned since the last call, per instruction, for persisting. */
    java.util.Map<String, double[]> takeChanged() {
        return lengths.takeChanged();
    }

    /** Restores what an earlier worker learned; returns how many instructions were restored. */
    int restore(java.util.Map<String, double[]> states) {
        int n = 0;
        for (var e : states.entrySet()) {
            if (lengths.restore(e.getKey(), e.getValue())) {
                n++;
            }
        }
        return n;
    }
}
