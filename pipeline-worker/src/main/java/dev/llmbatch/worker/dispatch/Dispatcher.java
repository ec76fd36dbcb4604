package dev.llmbatch.worker.dispatch;

import dev.llmbatch.core.admission.CircuitBreaker;
import dev.llmbatch.core.admission.DeploymentLimiter;
import dev.llmbatch.core.admission.RegionSelector;
import dev.llmbatch.core.admission.RequestCost;
import dev.llmbatch.core.batch.Apportion;
import dev.llmbatch.core.batch.PackingHealth;
import dev.llmbatch.core.batch.PackingProtocol;
import dev.llmbatch.core.batch.Unpacked;
import dev.llmbatch.core.config.BatchSettings;
import dev.llmbatch.core.config.DeploymentConfig;
import dev.llmbatch.core.config.ModelPool;
import dev.llmbatch.core.config.PipelineConfig;
import dev.llmbatch.core.config.QuotaSettings;
import dev.llmbatch.core.config.WorkerSettings;
import dev.llmbatch.core.estimate.ReservationCalibrator;
import dev.llmbatch.core.estimate.TokenEstimator;
import dev.llmbatch.core.job.Priority;
import dev.llmbatch.core.outcome.CallOutcome;
import dev.llmbatch.core.outcome.OutcomeClassifier;
import dev.llmbatch.core.request.ChatRequestBody;
import dev.llmbatch.core.request.RequestSpec;
import dev.llmbatch.core.result.Budget;
import dev.llmbatch.core.result.ErrorInfo;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.core.result.Usage;
import dev.llmbatch.core.retry.RetryPolicy;
import dev.llmbatch.core.time.Ticker;
import dev.llmbatch.worker.admin.Metrics;
import dev.llmbatch.worker.emission.Completion;
import dev.llmbatch.worker.quota.SharedQuota;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes resolved jobs, packs small compatible ones together, admits each request against its pool's deployments,
 * calls the chosen region, and turns every outcome into either another attempt or final results handed to the
 * completion sink. Every outcome also goes to the deployment's circuit breaker (with the permit it was admitted
 * under), whose transitions are logged at info and counted.
 *
 * <p>All state lives on one Vert.x event-loop context: {@link #submit} hops onto it, HTTP callbacks and timers run on
 * it, so nothing here needs a lock. The completion sink is called on that loop and must not block.
 */
public final class Dispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
    /** How often a pool that stopped packing tries one packed request again (quota clock; doubles per failure). */
    private static final Duration PACKING_REPROBE = Duration.ofSeconds(60);
    /** Packed requests in flight per pool until one packed reply has come back usable. */
    private static final int UNPROVEN_PACKED_IN_FLIGHT = 2;
    /** Below this many failed items a packed reply's failures are re-sent alone; above, by halves. */
    private static final int SPLIT_BY_HALVES_FROM = 4;

    private final Vertx vertx;
    private final Context context;
    private final ChatClient client;
    private final RetryPolicy retry;
    private final Metrics metrics;
    private final Clock wallClock;
    private final double timeScale;
    private final Duration maxCooldown;
    private final Consumer<Completion> sink;
    private final Map<String, Lane> lanes = new LinkedHashMap<>();
    private final Map<String, OpenBatch> openBatches = new HashMap<>();
    private final Map<String, TokenEstimator> estimators = new HashMap<>();
    private final SplittableRandom random = new SplittableRandom();
    private final AnswerBudgets budgets = new AnswerBudgets();
    /** The fleet's windows in Redis; null with {@code quota.store: local}. */
    private final SharedQuota shared;
    private volatile DoubleSupplier fallbackShare = () -> 1.0;
    /** Requests admitted here and waiting for the shared store's answer. */
    private int inSharedAdmission;
    private final long housekeepingTimer;
    private int waiting;
    private int inCall;

    /**
     * @param ticker the clock of the quota buckets (scaled when pointed at a simulator that runs faster)
     * @param env    where API keys are read from (the process environment in production)
     */
    public Dispatcher(Vertx vertx, PipelineConfig config, Map<String, String> env, Ticker ticker, Clock wallClock,
            Metrics metrics, Consumer<Completion> sink) {
        WorkerSettings w = config.worker();
        this.vertx = vertx;
        this.context = vertx.getOrCreateContext();
        this.retry = new RetryPolicy(w.maxAttempts(), w.backoff());
        this.metrics = metrics;
        this.wallClock = wallClock;
        this.timeScale = w.timeScale();
        this.maxCooldown = w.maxCooldown();
        this.sink = sink;
        Map<String, Secret> keys = new HashMap<>();
        List<DeploymentLimiter> all = new ArrayList<>();
        metrics.describe("llm_breaker_state", "Circuit breaker per deployment: 0 closed, 1 half-open, 2 open.");
        metrics.describe("llm_breaker_transitions_total", "Circuit breaker state changes, by the state entered.");
        metrics.describe("llm_prompt_rule", "How prompts are reserved per pool: 0 chars, 1 tokens, 2 max (safe).");
        metrics.describe("llm_packing_stopped", "1 while a pool does not pack because its model breaks the schema.");
        metrics.describe("llm_budget_resent_total", "Answers cut under a learned max_tokens, sent again in full.");
        for (ModelPool pool : config.models().values()) {
            List<DeploymentLimiter> limiters = new ArrayList<>();
            for (DeploymentConfig d : pool.deployments()) {
                keys.put(d.id(), Secret.resolve(d, env));
                CircuitBreaker breaker = new CircuitBreaker(w.breaker(), ticker, (from, to, why) -> {
                    metrics.inc("llm_breaker_transitions_total", "region", d.region(), "deployment",
                            d.deployment(), "to", to.label());
                    LOG.info("circuit breaker {} {} -> {}: {}", d.id(), from.label(), to.label(), why);
                });
                DeploymentLimiter l = new DeploymentLimiter(d, ticker, pool.maxRequestTokens(),
                        w.bucket().windowMargin(), w.maxConnectionsPerRegion(), breaker, w.bucket().burstFraction());
                limiters.add(l);
                all.add(l);
                metrics.gauge("llm_breaker_state", () -> breaker.state().gaugeValue(), "region", d.region(),
                        "deployment", d.deployment());
                metrics.gauge("llm_region_cooling", () -> l.isCooling() ? 1 : 0, "region", d.region(),
                        "deployment", d.deployment());
                metrics.gauge("llm_region_room", l::room, "region", d.region(), "deployment", d.deployment());
            }
            Lane lane = new Lane(new RegionSelector(limiters), pool, new ReservationCalibrator(
                    pool.calibration().enabled(), pool.calibration().minObservations()),
                    new PackingHealth(ticker, PACKING_REPROBE));
            lanes.put(pool.name(), lane);
            metrics.gauge("llm_prompt_rule", () -> lane.calibrator.rule().ordinal(), "pool", pool.name());
            metrics.gauge("llm_packing_stopped", () -> lane.packing.stopped() ? 1 : 0, "pool", pool.name());
            estimators.put(pool.encoding(), TokenEstimator.forEncoding(pool.encoding()));
        }
        this.client = new ChatClient(vertx, new OutcomeClassifier(wallClock, w.defaultCooldown()), keys,
                w.requestTimeout().toMillis(), w.maxConnectionsPerRegion(), w.maxWaitQueue());
        this.shared = config.quota().store() == QuotaSettings.Store.REDIS
                ? new SharedQuota(vertx, context, config.quota(), w.timeScale(), w.bucket().windowMargin(), all,
                        () -> fallbackShare.getAsDouble())
                : null;
        if (shared != null) {
            metrics.describe("llm_quota_store_up", "1 while quotas are shared through Redis, 0 on a local share.");
            metrics.gauge("llm_quota_store_up", () -> shared.up() ? 1 : 0);
            metrics.gauge("llm_quota_store_fallbacks", shared::fallbacks);
            metrics.gauge("llm_quota_store_commands_per_request", shared::commandsPerRequest);
        }
        metrics.gauge("llm_jobs_waiting_admission", () -> waiting);
        metrics.gauge("llm_calls_in_flight", () -> inCall);
        // A safety net for deadlines of jobs parked behind a long wait; admission itself is woken by timers.
        this.housekeepingTimer = vertx.setPeriodic(1000, id -> context.runOnContext(v -> lanes.values()
                .forEach(this::drain)));
    }

    /**
     * This worker's share of the fleet's work, used as its share of each quota while Redis is away (its share of the
     * jobs topic's partitions). Any thread.
     */
    public void fallbackShare(DoubleSupplier share) {
        this.fallbackShare = share;
    }

    /** The shared quota store's state for the status page: null with a local store. Any thread. */
    public Map<String, Object> quotaStore() {
        if (shared == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("store", "redis");
        m.put("state", shared.up() ? "shared" : "fallback");
        m.put("share", Math.round(shared.share() * 1000) / 1000.0);
        m.put("fallbacks", shared.fallbacks());
        m.put("commands_per_request", Math.round(shared.commandsPerRequest() * 1000) / 1000.0);
        return m;
    }

    /** The largest reservation any deployment of {@code pool} can grant (bigger jobs are rejected at intake). */
    public long largestAdmissible(ModelPool pool) {
        return lanes.get(pool.name()).selector.largestAdmissible();
    }

    /** A snapshot of every deployment's admission state, for the status page. Any thread. */
    public List<Map<String, Object>> regions() {
        List<Map<String, Object>> out = new ArrayList<>();
        lanes.forEach((pool, lane) -> lane.selector.deployments().forEach(l -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("pool", pool);
            m.put("region", l.config().region());
            m.put("deployment", l.config().deployment());
            m.put("priority", l.config().priority());
            m.put("tpm", l.config().tpm());
            m.put("rpm", l.config().rpm());
            m.put("room", Math.round(l.room() * 1000) / 1000.0);
            m.put("cooling_ms", l.coolingRemaining().toMillis());
            m.put("breaker", l.breaker().state().label());
            m.put("breaker_open_ms", l.breaker().openRemaining().toMillis());
            m.put("prompt_rule", lane.calibrator.rule().label());
            m.put("packing", lane.packing.stopped() ? "stopped" : "on");
            out.add(m);
        }));
        return out;
    }

    /**
     * Restores answer lengths learned by an earlier worker (see {@code LearnedStateTopic}). Any thread; call it
     * before the first {@link #submit} so the first jobs already use them.
     */
    public void restoreLearned(Map<String, double[]> states) {
        context.runOnContext(v -> LOG.info("restored learned answer lengths of {} instructions",
                budgets.restore(states)));
    }

    /**
     * Hands what was learned since the last call to {@code sink}, on the dispatcher's loop (the sink must not block).
     * Any thread; the stage completes once the sink has been called (or there was nothing to hand).
     */
    public java.util.concurrent.CompletionStage<Void> exportLearned(Consumer<Map<String, double[]>> sink) {
        java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
        context.runOnContext(v -> {
            try {
                Map<String, double[]> changed = budgets.takeChanged();
                if (!changed.isEmpty()) {
                    sink.accept(changed);
                }
            } finally {
                done.complete(null);
            }
        });
        return done;
    }

    /** Hands jobs over for dispatch. Any thread. */
    public void submit(List<Item> batch) {
        if (batch.isEmpty()) {
            return;
        }
        context.runOnContext(v -> {
            for (Item item : batch) {
                if (item.job.batchable()) {
                    addToBatch(item);
                } else {
                    enqueue(singleWork(item), false);
                }
            }
            lanes.values().forEach(this::drain);
        });
    }

    /** Stops timers and the HTTP client; jobs still queued or in a call get no result (they are not committed). */
    public void close() {
        vertx.cancelTimer(housekeepingTimer);
        context.runOnContext(v -> {
            lanes.values().forEach(l -> {
                if (l.wakeTimer >= 0) {
                    vertx.cancelTimer(l.wakeTimer);
                }
            });
            openBatches.values().forEach(b -> vertx.cancelTimer(b.timer));
        });
        client.close();
        if (shared != null) {
            shared.close();
        }
    }

    // ---- packing -------------------------------------------------------------------------------------------

    private void addToBatch(Item item) {
        var job = item.job;
        BatchSettings s = job.pool().batching();
        String key = job.pool().name() + '\u0000' + job.job().priority() + '\u0000' + job.temperature() + '\u0000'
                + job.batchInstruction();
        long itemCost = itemCost(job);
        OpenBatch open = openBatches.get(key);
        if (open == null && !lanes.get(job.pool().name()).packing.allowPacking()) {
            enqueue(singleWork(item), false);
            return;
        }
        if (open != null && open.cost + itemCost > s.maxBatchTokens()) {
            flush(key);
            open = null;
        }
        if (open == null) {
            open = new OpenBatch(job.batchInstruction(), job.temperature(),
                    (job.batchInstruction().length() + 3) / 4 + 120);
            // Opened while packing is stopped: this batch is the probe that may show the model follows it again.
            open.probe = lanes.get(job.pool().name()).packing.stopped();
            openBatches.put(key, open);
            String k = key;
            open.timer = vertx.setTimer(Math.max(1, s.maxWait().toMillis()), id -> {
                flush(k);
                drainAll();
            });
        }
        open.items.add(item);
        open.cost += itemCost;
        if (open.items.size() >= s.maxItems()) {
            flush(key);
        }
    }

    /** Tokens an item adds to a packed request's reservation: its text by the char rule, budget and framing. */
    private static long itemCost(dev.llmbatch.core.job.ResolvedJob job) {
        String t = job.batchText();
        return (t.codePointCount(0, t.length()) + 3) / 4 + 12 + job.maxTokens() + PackingProtocol.TOKENS_PER_ITEM;
    }

    private void flush(String key) {
        OpenBatch b = openBatches.remove(key);
        if (b == null) {
            return;
        }
        vertx.cancelTimer(b.timer);
        enqueuePacked(b.items, b.instruction, b.temperature, false, b.probe);
    }

    /** Queues items as one packed request (or a single request when only one is left). */
    private void enqueuePacked(List<Item> items, String instruction, Double temperature, boolean front) {
        enqueuePacked(items, instruction, temperature, front, false);
    }

    /** @param probe sent even though the pool does not pack now (see {@code PackingHealth}) */
    private void enqueuePacked(List<Item> items, String instruction, Double temperature, boolean front,
            boolean probe) {
        if (items.size() == 1) {
            enqueue(singleWork(items.get(0)), front);
            return;
        }
        Work w = new Work(items, true, RequestSpec.of(items.get(0).job), 0, 0, false);
        repack(w, instruction, temperature);
        Lane lane = lanes.get(items.get(0).job.pool().name());
        if (w.reserveTokens > lane.selector.largestAdmissible()) {
            int half = items.size() / 2;
            enqueuePacked(new ArrayList<>(items.subList(0, half)), instruction, temperature, front, probe);
            enqueuePacked(new ArrayList<>(items.subList(half, items.size())), instruction, temperature, front, probe);
            return;
        }
        w.probe = probe;
        metrics.inc("llm_batches_total");
        metrics.add("llm_batch_items_total", items.size());
        enqueue(w, front);
    }

    /**
     * (Re)builds a packed request from its items: each item is told its own max_tokens, and the request reserves
     * (and caps the whole reply at) the items' budgets, learned where known.
     */
    private void repack(Work w, String instruction, Double temperature) {
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
        TokenEstimator.Estimate e = estimators.get(w.items.get(0).job.pool().encoding())
                .estimate(spec.messages(), spec.maxTokens(), 1);
        w.respec(spec, e.promptTokens(), e.charRule());
        w.learned = learned;
        w.budgetVersion = budgets.version();
    }

    /**
     * Re-reads the learned budgets of a request not yet sent, when more answers were learned since it was built (a
     * backlog is packed and queued long before the answers that teach its budgets come back). Only max_tokens
     * changes: a packed request tells each item its own limit, whatever it reserves.
     */
    private void refreshBudgets(Work w) {
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

    /** One job as its own request, with its own max_tokens or a learned budget below it. */
    private Work singleWork(Item it) {
        var job = it.job;
        int send = budgets.maxTokens(job, it.fullBudget);
        RequestSpec spec = RequestSpec.of(job);
        if (send != spec.maxTokens()) {
            spec = new RequestSpec(spec.messages(), send, spec.temperature(), spec.n(), spec.responseFormat());
        }
        Work w = new Work(List.of(it), false, spec, job.promptTokens(), job.charRule(), send < job.maxTokens());
        w.budgetVersion = budgets.version();
        return w;
    }

    private void drainAll() {
        lanes.values().forEach(this::drain);
    }

    // ---- admission and dispatch ----------------------------------------------------------------------------

    private void enqueue(Work w, boolean front) {
        lanes.get(w.pool).add(w, front);
        waiting++;
    }

    private void drain(Lane lane) {
        while (true) {
            Work w = lane.peek();
            if (w == null) {
                return;
            }
            if (dropExpired(w)) {
                lane.poll();
                waiting--;
                continue;
            }
            if (w.packed && w.calls == 0 && !lane.packing.proven()) {
                if (lane.packing.stopped() && !w.probe) {
                    // Packing stopped while this batch waited: its jobs go alone instead.
                    lane.poll();
                    waiting--;
                    for (int i = w.items.size() - 1; i >= 0; i--) {
                        enqueue(singleWork(w.items.get(i)), true);
                    }
                    continue;
                }
                if (lane.packedInFlight >= UNPROVEN_PACKED_IN_FLIGHT) {
                    return; // until the model shows it follows the schema; the next answer drains
                }
            }
            refreshBudgets(w);
            RequestCost cost = w.cost(lane.calibrator.rule());
            w.reserveTokens = cost.reserve();
            RegionSelector.Selection s = lane.selector.select(cost, w.avoid);
            if (s instanceof RegionSelector.Selection.Admitted a) {
                lane.poll();
                waiting--;
                w.admission = a.admission();
                if (shared != null && shared.up()) {
                    admitShared(lane, w, a, cost);
                } else {
                    send(lane, w, a.deployment(), a.permit());
                }
            } else if (s instanceof RegionSelector.Selection.Wait wait) {
                lane.wakeIn(wait.nanos());
                return;
            } else if (s instanceof RegionSelector.Selection.Busy) {
                return; // every usable deployment has all its call slots in use: the next completion drains
            } else {
                lane.poll();
                waiting--;
                for (Item it : w.items) {
                    finish(it, w, Status.REJECTED, null, null, Usage.NONE, null, new ErrorInfo("request_too_large",
                            "no deployment of this model pool can admit a request of " + w.reserveTokens
                                    + " tokens", false));
                }
            }
        }
    }

    /** Finishes items whose deadline passed; true when none is left. Re-packs the rest if some expired. */
    private boolean dropExpired(Work w) {
        Instant now = wallClock.instant();
        boolean removed = false;
        for (Iterator<Item> it = w.items.iterator(); it.hasNext();) {
            Item item = it.next();
            Instant deadline = item.job.job().deadline();
            if (deadline != null && !now.isBefore(deadline)) {
                it.remove();
                removed = true;
                finish(item, w, Status.EXPIRED, null, null, Usage.NONE, null, new ErrorInfo("deadline_exceeded",
                        "the job's deadline " + deadline + " passed before it could be answered", false));
            }
        }
        if (w.items.isEmpty()) {
            return true;
        }
        if (removed && w.packed) {
            Item first = w.items.get(0);
            repack(w, first.job.batchInstruction(), first.job.temperature());
        }
        return false;
    }

    /** Asks the fleet's windows too; a refusal takes the local admission back and queues the request again. */
    private void admitShared(Lane lane, Work w, RegionSelector.Selection.Admitted a, RequestCost cost) {
        inSharedAdmission++;
        DeploymentLimiter limiter = a.deployment();
        shared.admit(limiter, cost, (result, granted) -> {
            inSharedAdmission--;
            switch (result) {
                case GRANTED -> {
                    w.granted = granted;
                    send(lane, w, limiter, a.permit());
                }
                case REFUSED, UNAVAILABLE -> {
                    limiter.cancel(a.admission());
                    limiter.breaker().cancel(a.permit());
                    enqueue(w, true);
                    drain(lane);
                }
            }
        });
    }

    private void send(Lane lane, Work w, DeploymentLimiter limiter, CircuitBreaker.Permit permit) {
        DeploymentConfig d = limiter.config();
        w.calls++;
        long now = System.nanoTime();
        for (Item it : w.items) {
            if (it.firstSendNanos < 0) {
                it.firstSendNanos = now;
            }
        }
        inCall++;
        if (w.packed) {
            lane.packedInFlight++;
        }
        metrics.add("llm_admitted_tokens_total", w.reserveTokens, "region", d.region());
        client.call(d, ChatRequestBody.of(w.spec, d)).onComplete(ar -> {
            inCall--;
            if (w.packed) {
                lane.packedInFlight--;
            }
            limiter.release();
            limiter.breaker().onResult(permit, ar.result());
            handle(lane, w, limiter, ar.result());
            drain(lane);
        });
    }

    private void handle(Lane lane, Work w, DeploymentLimiter limiter, CallOutcome outcome) {
        DeploymentConfig d = limiter.config();
        w.trace.add(d.region() + ":" + outcome.label());
        metrics.inc("llm_calls_total", "region", d.region(), "outcome", outcome.label());
        if (outcome instanceof CallOutcome.Success s) {
            var observation = limiter.observeRemaining(s.remainingTokens(), s.remainingRequests(), w.admission);
            if (shared != null && w.granted != null) {
                // The service's count covers the whole fleet: compare it with the fleet's admissions instead.
                shared.observeRemaining(limiter, w.granted, s.remainingTokens());
                observation = shared.observation(limiter, w.granted, w.admission.cost(), s.remainingTokens());
                w.granted = null;
            }
            if (lane.calibrator.observe(observation)) {
                LOG.info("prompt reservation of pool {}: {}", lane.pool.name(), lane.calibrator.lastChange());
            }
            Item only = w.items.get(0);
            if (w.packed) {
                unpack(lane, w, s, d);
            } else if ("content_filter".equals(s.finishReason())) {
                finish(only, w, Status.FILTERED, "", s.finishReason(),
                        new Usage(s.promptTokens(), s.completionTokens()), d, new ErrorInfo("content_filter",
                                "the model's output was filtered by the service's content filter", false));
            } else if ("length".equals(s.finishReason()) && w.learned) {
                // Cut by our learned budget, not by the job's own limit: ask again with the job's limit.
                only.priorPromptTokens += s.promptTokens();
                only.priorCompletionTokens += s.completionTokens();
                metrics.inc("llm_budget_resent_total", "pool", lane.pool.name());
                resend(w, allIndices(1), "learned_budget_cut", true);
            } else {
                budgets.learn(only.job, s.completionTokens(), "length".equals(s.finishReason()));
                finish(only, w, Status.SUCCEEDED, s.content(), s.finishReason(),
                        new Usage(s.promptTokens(), s.completionTokens()), d, null);
            }
            return;
        }
        if (outcome instanceof CallOutcome.RateLimited r) {
            if (r.kind() == CallOutcome.RateLimited.Kind.TOKENS && lane.calibrator.onTokenRateLimited()) {
                LOG.warn("prompt reservation of pool {}: {}", lane.pool.name(), lane.calibrator.lastChange());
            }
            Duration cool = r.retryAfter().compareTo(maxCooldown) > 0 ? maxCooldown : r.retryAfter();
            limiter.coolDown(cool);
            if (shared != null) {
                shared.coolDown(limiter, cool);
            }
            metrics.inc("llm_rate_limited_total", "region", d.region(), "kind", r.kind().name().toLowerCase(),
                    "source", r.source().name().toLowerCase());
            w.avoid.add(d.id());
            enqueue(w, true);
            return;
        }
        if (w.packed && (outcome instanceof CallOutcome.Permanent || outcome instanceof CallOutcome.Filtered)) {
            // One item's text can make the whole request fail (a content filter, say): isolate it.
            resend(w, allIndices(w.items.size()), "batch_" + outcome.label(), false);
            return;
        }
        RetryPolicy.Decision decision = retry.decide(outcome, ++w.failures, random.nextDouble());
        if (decision instanceof RetryPolicy.Decision.Backoff b) {
            w.avoid.add(d.id());
            metrics.inc("llm_retries_total", "region", d.region());
            vertx.setTimer(realMillis(b.delay().toNanos()), id -> {
                enqueue(w, true);
                drain(lane);
            });
        } else if (decision instanceof RetryPolicy.Decision.GiveUp g) {
            for (Item it : w.items) {
                finish(it, w, g.status(), null, null, Usage.NONE, d, g.error());
            }
        }
    }

    /** Distributes a packed reply: answered items finish, the others are re-sent (alone, or by halves). */
    private void unpack(Lane lane, Work w, CallOutcome.Success s, DeploymentConfig d) {
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
                finish(w.items.get(i), w, Status.SUCCEEDED, out, "stop", new Usage(prompt[i], completion[i]), d,
                        null);
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

    private static BitSet allIndices(int n) {
        BitSet b = new BitSet(n);
        b.set(0, n);
        return b;
    }

    /**
     * Sends some of a request's jobs again: alone, or by halves when many failed and the pool still packs.
     *
     * @param fullBudget send them with their own max_tokens (a learned budget cut their answers)
     */
    private void resend(Work w, BitSet which, String reason, boolean fullBudget) {
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
        if (w.packed && again.size() >= SPLIT_BY_HALVES_FROM && !lanes.get(w.pool).packing.stopped()) {
            int half = again.size() / 2;
            enqueuePacked(new ArrayList<>(again.subList(0, half)), first.job.batchInstruction(),
                    first.job.temperature(), true);
            enqueuePacked(new ArrayList<>(again.subList(half, again.size())), first.job.batchInstruction(),
                    first.job.temperature(), true);
        } else {
            for (Item it : again) {
                enqueue(singleWork(it), true);
            }
        }
    }

    private void finish(Item it, Work w, Status status, String output, String finish, Usage usage,
            DeploymentConfig d, ErrorInfo error) {
        long now = System.nanoTime();
        long queuedMs = ((it.firstSendNanos < 0 ? now : it.firstSendNanos) - it.receivedNanos) / 1_000_000;
        long latencyMs = it.firstSendNanos < 0 ? 0 : (now - it.firstSendNanos) / 1_000_000;
        List<String> trace = new ArrayList<>(it.priorTrace.size() + w.trace.size());
        trace.addAll(it.priorTrace);
        trace.addAll(w.trace);
        var job = it.job.job();
        Usage billed = it.priorPromptTokens == 0 && it.priorCompletionTokens == 0 ? usage
                : new Usage(usage.promptTokens() + it.priorPromptTokens,
                        usage.completionTokens() + it.priorCompletionTokens);
        JobResult r = new JobResult(job.id(), status, output, finish, billed, d == null ? null : d.region(),
                d == null ? null : d.deployment(), it.priorCalls + w.calls, w.packed ? w.items.size() : 1, latencyMs,
                queuedMs, error, job.submitter(), job.batch(), job.metadata(), trace, budget(it, w, d));
        sink.accept(new Completion(it.ticket, r));
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

    /** Wall milliseconds for a duration on the (possibly scaled) quota clock; at least 1. */
    private long realMillis(long scaledNanos) {
        double real = scaledNanos / timeScale / 1_000_000.0;
        return Math.max(1, (long) Math.ceil(Math.min(real, 24 * 3600_000.0)));
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

    /** The queue of one model pool: per priority, FIFO, with a single wake-up timer. */
    private final class Lane {
        final RegionSelector selector;
        final ModelPool pool;
        final ReservationCalibrator calibrator;
        final PackingHealth packing;
        int packedInFlight;
        final EnumMap<Priority, ArrayDeque<Work>> queues = new EnumMap<>(Priority.class);
        long wakeTimer = -1;
        long wakeAt;

        Lane(RegionSelector selector, ModelPool pool, ReservationCalibrator calibrator, PackingHealth packing) {
            this.selector = selector;
            this.pool = pool;
            this.calibrator = calibrator;
            this.packing = packing;
            for (Priority p : Priority.values()) {
                queues.put(p, new ArrayDeque<>());
            }
        }

        void add(Work w, boolean front) {
            ArrayDeque<Work> q = queues.get(w.priority);
            if (front) {
                q.addFirst(w);
            } else {
                q.addLast(w);
            }
        }

        Work peek() {
            for (ArrayDeque<Work> q : queues.values()) {
                if (!q.isEmpty()) {
                    return q.peekFirst();
                }
            }
            return null;
        }

        Work poll() {
            for (ArrayDeque<Work> q : queues.values()) {
                if (!q.isEmpty()) {
                    return q.pollFirst();
                }
            }
            return null;
        }

        void wakeIn(long scaledNanos) {
            long ms = realMillis(scaledNanos);
            long at = System.nanoTime() + ms * 1_000_000;
            if (wakeTimer >= 0) {
                if (wakeAt - at <= 0) {
                    return;
                }
                vertx.cancelTimer(wakeTimer);
            }
            wakeAt = at;
            wakeTimer = vertx.setTimer(ms, id -> {
                wakeTimer = -1;
                drain(this);
            });
        }
    }
}
