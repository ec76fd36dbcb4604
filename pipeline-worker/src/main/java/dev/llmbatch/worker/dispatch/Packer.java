package dev.llmbatch.worker.dispatch;

import dev.llmbatch.core.batch.PackingProtocol;
import dev.llmbatch.core.config.BatchSettings;
import dev.llmbatch.core.estimate.TokenEstimator;
import dev.llmbatch.core.job.ResolvedJob;
import dev.llmbatch.core.request.RequestSpec;
import dev.llmbatch.worker.admin.Metrics;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Packs small compatible jobs (same pool, priority, temperature and instruction) into one request with the
 * {@link PackingProtocol}: a batch is closed when full (items or tokens) or when its oldest job has waited
 * {@code batching.max-wait-ms}. Builds every request's spec and max_tokens (learned budgets included) and queues it
 * in the {@link Backlog}. Confined to the dispatcher's event loop.
 */
final class Packer {
    private final Vertx vertx;
    private final Backlog backlog;
    private final AnswerBudgets budgets;
    private final Metrics metrics;
    private final Runnable drainAll;
    private final Map<String, OpenBatch> open = new HashMap<>();

    Packer(Vertx vertx, Backlog backlog, AnswerBudgets budgets, Metrics metrics, Runnable drainAll) {
        this.vertx = vertx;
        this.backlog = backlog;
        this.budgets = budgets;
        this.metrics = metrics;
        this.drainAll = drainAll;
    }

    /** Queues a submitted job: into an open batch when it may be packed, else as its own request. */
    void add(Item item) {
        if (item.job.batchable()) {
            addToBatch(item);
        } else {
            backlog.enqueue(single(item), false);
        }
    }

    private void addToBatch(Item item) {
        ResolvedJob job = item.job;
        BatchSettings s = job.pool().batching();
        String key = job.pool().name() + '\u0000' + job.job().priority() + '\u0000' + job.temperature() + '\u0000'
                + job.batchInstruction();
        long itemCost = PackingProtocol.batchItemCost(job.batchText(), job.maxTokens());
        OpenBatch b = open.get(key);
        Lane lane = backlog.lane(job.pool().name());
        if (b == null && !lane.packing.allowPacking()) {
            backlog.enqueue(single(item), false);
            return;
        }
        if (b != null && b.cost + itemCost > s.maxBatchTokens()) {
            flush(key);
            b = null;
        }
        if (b == null) {
            b = new OpenBatch(job.batchInstruction(), job.temperature(),
                    PackingProtocol.batchOpenCost(job.batchInstruction()));
            // Opened while packing is stopped: this batch is the probe that may show the model follows it again.
            b.probe = lane.packing.stopped();
            open.put(key, b);
            b.timer = vertx.setTimer(Math.max(1, s.maxWait().toMillis()), id -> {
                flush(key);
                drainAll.run();
            });
        }
        b.items.add(item);
        b.cost += itemCost;
        if (b.items.size() >= s.maxItems()) {
            flush(key);
        }
    }

    private void flush(String key) {
        OpenBatch b = open.remove(key);
        if (b == null) {
            return;
        }
        vertx.cancelTimer(b.timer);
        enqueuePacked(b.items, b.instruction, b.temperature, false, b.probe);
    }

    /**
     * Queues items as one packed request (a single request when only one is left; two halves when too big for any
     * deployment of the pool).
     *
     * @param probe sent even though the pool does not pack now (see {@code PackingHealth})
     */
    void enqueuePacked(List<Item> items, String instruction, Double temperature, boolean front, boolean probe) {
        if (items.size() == 1) {
            backlog.enqueue(single(items.get(0)), front);
            return;
        }
        Work w = new Work(items, true, RequestSpec.of(items.get(0).job), 0, 0, false);
        repack(w, instruction, temperature);
        Lane lane = backlog.lane(w.pool);
        if (w.reserveTokens > lane.selector.largestAdmissible()) {
            int half = items.size() / 2;
            enqueuePacked(new ArrayList<>(items.subList(0, half)), instruction, temperature, front, probe);
            enqueuePacked(new ArrayList<>(items.subList(half, items.size())), instruction, temperature, front, probe);
            return;
        }
        w.probe = probe;
        metrics.inc("llm_batches_total");
        metrics.add("llm_batch_items_total", items.size());
        backlog.enqueue(w, front);
    }

    /** One job as its own request, with its own max_tokens or a learned budget below it. */
    Work single(Item it) {
        ResolvedJob job = it.job;
        int send = budgets.maxTokens(job, it.fullBudget);
        RequestSpec spec = RequestSpec.of(job);
        if (send != spec.maxTokens()) {
            spec = new RequestSpec(spec.messages(), send, spec.temperature(), spec.n(), spec.responseFormat());
        }
        Work w = new Work(List.of(it), false, spec, job.promptTokens(), job.charRule(), send < job.maxTokens());
        w.budgetVersion = budgets.version();
        return w;
    }

    /**
     * (Re)builds a packed request from its items: each item is told its own max_tokens, and the request reserves
     * (and caps the whole reply at) the items' budgets, learned where known.
     */
    void repack(Work w, String instruction, Double temperature) {
        List<PackingProtocol.Item> packed = new ArrayList<>(w.items.size());
        boolean learned = false;
        w.itemBudgets = new int[w.items.size()];
        for (int i = 0; i < w.items.size(); i++) {
            Item it = w.items.get(i);
            int own = it.job.maxTokens();
            int budget = budgets.maxTokens(it.job, it.fullBudget);
            learned |= budget < own;
            w.itemBudgets[i] = budget;
            packed.add(new PackingProtocol.Item(it.job.batchText(), own, budget));
        }
        RequestSpec spec = PackingProtocol.pack(instruction, packed, temperature);
        TokenEstimator.Estimate e = backlog.lane(w.pool).estimator.estimate(spec.messages(), spec.maxTokens(), 1);
        w.respec(spec, e.promptTokens(), e.charRule());
        w.learned = learned;
        w.budgetVersion = budgets.version();
    }

    /**
     * Re-reads the learned budgets of a request not yet sent, when more answers were learned since it was built (a
     * backlog is packed and queued long before the answers that teach its budgets come back). Only max_tokens
     * changes: a packed request tells each item its own limit, whatever it reserves.
     */
    void refreshBudgets(Work w) {
        long version = budgets.version();
        if (w.calls > 0 || w.budgetVersion == version) {
            return;
        }
        w.budgetVersion = version;
        RequestSpec spec = w.spec;
        int maxTokens;
        if (w.packed) {
            long sum = 0;
            boolean learned = false;
            for (int i = 0; i < w.items.size(); i++) {
                Item it = w.items.get(i);
                int b = budgets.maxTokens(it.job, it.fullBudget);
                w.itemBudgets[i] = b;
                sum += b;
                learned |= b < it.job.maxTokens();
            }
            w.learned = learned;
            maxTokens = PackingProtocol.requestMaxTokens(sum, w.items.size());
        } else {
            Item it = w.items.get(0);
            maxTokens = budgets.maxTokens(it.job, it.fullBudget);
            w.learned = maxTokens < it.job.maxTokens();
        }
        if (maxTokens != spec.maxTokens()) {
            w.respec(new RequestSpec(spec.messages(), maxTokens, spec.temperature(), spec.n(), spec.responseFormat()),
                    w.promptTokens, w.charRule);
        }
    }

    /** Cancels the open batches' timers (their jobs get no result: they are not committed). */
    void close() {
        open.values().forEach(b -> vertx.cancelTimer(b.timer));
    }

    /** Jobs waiting to be packed with others of the same instruction and parameters. */
    private static final class OpenBatch {
        final String instruction;
        final Double temperature;
        final List<Item> items = new ArrayList<>();
        long cost;
        long timer = -1;
        boolean probe;

        OpenBatch(String instruction, Double temperature, long fixedCost) {
            this.instruction = instruction;
            this.temperature = temperature;
            this.cost = fixedCost;
        }
    }
}
