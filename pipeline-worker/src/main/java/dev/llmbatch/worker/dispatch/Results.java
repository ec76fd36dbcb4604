package dev.llmbatch.worker.dispatch;

import dev.llmbatch.core.config.DeploymentConfig;
import dev.llmbatch.core.result.Budget;
import dev.llmbatch.core.result.ErrorInfo;
import dev.llmbatch.core.result.Hedged;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.core.result.Usage;
import dev.llmbatch.core.time.Ticker;
import dev.llmbatch.worker.admin.Metrics;
import dev.llmbatch.worker.emission.Completion;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Builds each job's one result (status, answer, usage billed over every call it took part in, timings, trace, budget)
 * and hands it to the completion sink. Confined to the dispatcher's event loop.
 */
final class Results {
    private final Ticker ticker;
    private final Metrics metrics;
    private final Consumer<Completion> sink;

    /** @param ticker the monotonic clock the items' receive times were read from */
    Results(Ticker ticker, Metrics metrics, Consumer<Completion> sink) {
        this.ticker = ticker;
        this.metrics = metrics;
        this.sink = sink;
    }

    /** Monotonic now, for an item's first send. */
    long now() {
        return ticker.nanos();
    }

    /** The job's result: {@code d} is the deployment that answered, null when no call did. */
    void finish(Item it, Work w, Status status, String output, String finish, Usage usage, DeploymentConfig d,
            ErrorInfo error) {
        long now = ticker.nanos();
        long queuedMs = ((it.firstSendNanos < 0 ? now : it.firstSendNanos) - it.receivedNanos) / 1_000_000;
        long latencyMs = it.firstSendNanos < 0 ? 0 : (now - it.firstSendNanos) / 1_000_000;
        String pool = it.job.pool().name();
        metrics.time("llm_job_latency", now - it.receivedNanos, "pool", pool, "status", status.wire());
        if (it.firstSendNanos >= 0) {
            metrics.time("llm_queue_wait", it.firstSendNanos - it.receivedNanos, "pool", pool);
        }
        List<String> trace = new ArrayList<>(it.priorTrace.size() + w.trace.size());
        trace.addAll(it.priorTrace);
        trace.addAll(w.trace);
        var job = it.job.job();
        int extra = hedgeExtra(it, w);
        Usage billed = it.priorPromptTokens == 0 && it.priorCompletionTokens == 0 && extra == 0 ? usage
                : new Usage(usage.promptTokens() + it.priorPromptTokens + extra,
                        usage.completionTokens() + it.priorCompletionTokens);
        JobResult r = new JobResult(job.id(), status, output, finish, billed, d == null ? null : d.region(),
                d == null ? null : d.deployment(), it.priorCalls + w.calls, w.packed ? w.items.size() : 1, latencyMs,
                queuedMs, error, job.submitter(), job.batch(), job.metadata(), trace, budget(it, w, d),
                w.hedged == null ? null : new Hedged(w.hedged.won(), extra));
        sink.accept(new Completion(it.ticket, r));
    }

    /** This item's share of what a hedged pair's losing call cost (0 when not hedged). */
    private static int hedgeExtra(Item it, Work w) {
        if (w.hedged == null || w.hedged.extraTokens() == 0) {
            return 0;
        }
        int n = w.items.size();
        int i = Math.max(0, w.items.indexOf(it));
        return w.hedged.extraTokens() / n + (i < w.hedged.extraTokens() % n ? 1 : 0);
    }

    /** The max_tokens that produced the answer, and whether it was learned; null when no call answered. */
    private static Budget budget(Item it, Work w, DeploymentConfig d) {
        if (d == null) {
            return null;
        }
        if (!w.packed) {
            return new Budget(w.learned ? Budget.LEARNED : Budget.JOB, w.spec.maxTokens());
        }
        int i = w.items.indexOf(it);
        int b = i >= 0 && w.itemBudgets != null && i < w.itemBudgets.length ? w.itemBudgets[i] : it.job.maxTokens();
        return new Budget(b < it.job.maxTokens() ? Budget.LEARNED : Budget.JOB, b);
    }
}
