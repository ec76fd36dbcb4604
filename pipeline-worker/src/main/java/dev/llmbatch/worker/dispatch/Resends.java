package dev.llmbatch.worker.dispatch;

import dev.llmbatch.core.batch.Apportion;
import dev.llmbatch.core.batch.PackingProtocol;
import dev.llmbatch.core.batch.Unpacked;
import dev.llmbatch.core.config.DeploymentConfig;
import dev.llmbatch.core.outcome.CallOutcome;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.core.result.Usage;
import dev.llmbatch.worker.admin.Metrics;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A packed reply's answers handed out to its jobs, and jobs sent again after an answer that did not serve them
 * (alone, or by halves while their pool packs). Part of {@link Outcomes}; confined to the dispatcher's event loop.
 */
final class Resends {
    private static final Logger LOG = LoggerFactory.getLogger(Resends.class);
    /** Below this many failed items a packed reply's failures are re-sent alone; above, by halves. */
    private static final int SPLIT_BY_HALVES_FROM = 4;

    private final Backlog backlog;
    private final Packer packer;
    private final Results results;
    private final AnswerBudgets budgets;
    private final Metrics metrics;

    Resends(Backlog backlog, Packer packer, Results results, AnswerBudgets budgets, Metrics metrics) {
        this.backlog = backlog;
        this.packer = packer;
        this.results = results;
        this.budgets = budgets;
        this.metrics = metrics;
    }

    /** Distributes a packed reply: answered items finish, the others are re-sent (alone, or by halves). */
    void unpack(Lane lane, Work w, CallOutcome.Success s, DeploymentConfig d) {
        int n = w.items.size();
        boolean filtered = "content_filter".equals(s.finishReason());
        boolean cut = "length".equals(s.finishReason());
        Unpacked u = filtered ? PackingProtocol.unpack(null, n) : PackingProtocol.unpack(s.content(), n);
        if (!filtered && !cut && lane.packing.onReply(n, u.answered())) {
            LOG.warn("model pool {}: packing {} ({} of {} items answered in a packed reply)", lane.pool.name(),
                    lane.packing.stopped() ? "stopped: the model keeps breaking the reply schema" : "resumed",
                    u.answered(), n);
        }
        long[] promptWeights = new long[n];
        long[] completionWeights = new long[n];
        for (int i = 0; i < n; i++) {
            String text = w.items.get(i).job.batchText();
            promptWeights[i] = text.codePointCount(0, text.length()) + 40;
            String out = u.output(i);
            completionWeights[i] = out == null ? 0 : out.codePointCount(0, out.length()) + 4;
        }
        int[] prompt = Apportion.split(s.promptTokens(), promptWeights);
        int[] completion = Apportion.split(s.completionTokens(), completionWeights);
        for (int i = 0; i < n; i++) {
            String out = u.output(i);
            if (out != null) {
                if (!cut) {
                    budgets.learn(w.items.get(i).job, completion[i], false);
                }
                results.finish(w.items.get(i), w, Status.SUCCEEDED, out, "stop", new Usage(prompt[i], completion[i]),
                        d, null);
            }
        }
        BitSet failed = u.failed();
        if (failed.isEmpty()) {
            return;
        }
        if (cut && w.learned) {
            // The whole reply was cut under learned budgets: the failed items go again with their own limits, and
            // carry the tokens this call billed for them.
            for (int i = failed.nextSetBit(0); i >= 0; i = failed.nextSetBit(i + 1)) {
                Item it = w.items.get(i);
                it.priorPromptTokens += prompt[i];
                it.priorCompletionTokens += completion[i];
            }
            metrics.add("llm_budget_resent_total", failed.cardinality(), "pool", lane.pool.name());
            resend(w, failed, "learned_budget_cut", true);
            return;
        }
        resend(w, failed, filtered ? "content_filter" : cut ? "truncated" : "malformed_items", false);
    }

    static BitSet allIndices(int n) {
        BitSet b = new BitSet(n);
        b.set(0, n);
        return b;
    }

    /**
     * Sends some of a request's jobs again: alone, or by halves when many failed and the pool still packs.
     *
     * @param fullBudget send them with their own max_tokens (a learned budget cut their answers)
     */
    void resend(Work w, BitSet which, String reason, boolean fullBudget) {
        List<Item> again = new ArrayList<>(which.cardinality());
        for (int i = which.nextSetBit(0); i >= 0; i = which.nextSetBit(i + 1)) {
            Item it = w.items.get(i);
            it.priorCalls += w.calls;
            it.priorTrace.addAll(w.trace);
            it.fullBudget |= fullBudget;
            again.add(it);
        }
        if (w.packed) {
            metrics.add("llm_batch_items_resent_total", again.size(), "reason", reason);
        }
        Item first = again.get(0);
        if (w.packed && again.size() >= SPLIT_BY_HALVES_FROM && !backlog.lane(w.pool).packing.stopped()) {
            int half = again.size() / 2;
            packer.enqueuePacked(new ArrayList<>(again.subList(0, half)), first.job.batchInstruction(),
                    first.job.temperature(), true, false);
            packer.enqueuePacked(new ArrayList<>(again.subList(half, again.size())), first.job.batchInstruction(),
                    first.job.temperature(), true, false);
        } else {
            for (Item it : again) {
                backlog.enqueue(packer.single(it), true);
            }
        }
    }
}
