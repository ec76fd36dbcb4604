package dev.llmbatch.worker.dispatch;

import dev.llmbatch.core.admission.CircuitBreaker;
import dev.llmbatch.core.admission.DeploymentLimiter;
import dev.llmbatch.core.admission.RegionSelector;
import dev.llmbatch.core.batch.PackingHealth;
import dev.llmbatch.core.config.DeploymentConfig;
import dev.llmbatch.core.config.ModelPool;
import dev.llmbatch.core.config.PipelineConfig;
import dev.llmbatch.core.config.QuotaSettings;
import dev.llmbatch.core.config.WorkerSettings;
import dev.llmbatch.core.estimate.ReservationCalibrator;
import dev.llmbatch.core.estimate.TokenEstimator;
import dev.llmbatch.core.log.Mdc;
import dev.llmbatch.core.outcome.OutcomePolicy;
import dev.llmbatch.core.retry.RetryPolicy;
import dev.llmbatch.core.time.Ticker;
import dev.llmbatch.worker.admin.Metrics;
import dev.llmbatch.worker.emission.Completion;
import dev.llmbatch.worker.quota.SharedQuota;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Promise;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's dispatch verticle: takes resolved jobs ({@link #submit}), packs small compatible ones
 * ({@link Packer}), admits each request against its pool's deployments and sends it ({@link Admitter}, through the
 * injected {@link ChatClient}), and applies each outcome ({@link Outcomes}, as decided by {@link OutcomePolicy}) until
 * every job has its one result, handed to the completion sink. This class only wires them and answers the status
 * page.
 *
 * <p>All state lives on the verticle's event-loop context: {@link #submit} hops onto it, HTTP callbacks and timers run
 * on it, so nothing here needs a lock. The completion sink is called on that loop and must not block. Deploy it
 * ({@code vertx.deployVerticle}) before the first {@link #submit}.
 */
public final class Dispatcher extends AbstractVerticle {
    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
    /** How often a pool that stopped packing tries one packed request again (quota clock; doubles per failure). */
    private static final Duration PACKING_REPROBE = Duration.ofSeconds(60);

    private final PipelineConfig config;
    private final Ticker ticker;
    private final Clock wallClock;
    private final Metrics metrics;
    private final ChatClient client;
    private final Consumer<Completion> sink;
    private final Backlog backlog = new Backlog();
    private final List<DeploymentLimiter> limiters = new ArrayList<>();
    private final AnswerBudgets budgets = new AnswerBudgets();
    private volatile DoubleSupplier fallbackShare = () -> 1.0;
    /** The fleet's schedule in Redis; null with {@code quota.store: local}. Set at start. */
    private volatile SharedQuota shared;
    private Packer packer;
    private Admitter admitter;
    private long housekeepingTimer = -1;

    /**
     * @param quotaTicker the clock of the quota windows (scaled when pointed at a simulator that runs faster)
     * @param ticker      real monotonic time: the jobs' receive times ({@link Item}) were read from it
     * @param client      sends the calls ({@link HttpChatClient} in a worker)
     */
    public Dispatcher(PipelineConfig config, Ticker quotaTicker, Ticker ticker, Clock wallClock, Metrics metrics,
            ChatClient client, Consumer<Completion> sink) {
        this.config = config;
        this.ticker = ticker;
        this.wallClock = wallClock;
        this.metrics = metrics;
        this.client = client;
        this.sink = sink;
        WorkerSettings w = config.worker();
        DispatchMeters.describe(metrics);
        Map<String, TokenEstimator> estimators = new HashMap<>();
        for (ModelPool pool : config.models().values()) {
            List<DeploymentLimiter> poolLimiters = new ArrayList<>();
            for (DeploymentConfig d : pool.deployments()) {
                DeploymentLimiter l = limiter(d, pool, w, quotaTicker);
                poolLimiters.add(l);
                limiters.add(l);
            }
            Lane lane = new Lane(new RegionSelector(poolLimiters), pool, new ReservationCalibrator(
                    pool.calibration().enabled(), pool.calibration().minObservations()),
                    new PackingHealth(quotaTicker, PACKING_REPROBE),
                    estimators.computeIfAbsent(pool.encoding(), TokenEstimator::forEncoding), ticker);
            backlog.add(lane);
            DispatchMeters.lane(metrics, lane);
        }
        metrics.gauge("llm_jobs_waiting_admission", backlog::waiting);
        metrics.gauge("llm_calls_in_flight", () -> admitter == null ? 0 : admitter.inCall());
    }

    private DeploymentLimiter limiter(DeploymentConfig d, ModelPool pool, WorkerSettings w, Ticker quotaTicker) {
        CircuitBreaker breaker = new CircuitBreaker(w.breaker(), quotaTicker, (from, to, why) -> {
            metrics.inc("llm_breaker_transitions_total", "region", d.region(), "deployment", d.deployment(), "to",
                    to.label());
            try (Mdc.Scope s = Mdc.deployment(d.region(), d.deployment())) {
                LOG.info("circuit breaker {} {} -> {}: {}", d.id(), from.label(), to.label(), why);
            }
        });
        DeploymentLimiter l = new DeploymentLimiter(d, quotaTicker, pool.maxRequestTokens(), w.bucket().windowMargin(),
                w.maxConnectionsPerRegion(), breaker, w.bucket().burstFraction());
        l.setProbeInterval(w.misconfiguredProbe());
        metrics.gauge("llm_deployment_misconfigured", () -> l.misconfiguredCode() == null ? 0 : 1, "region",
                d.region(), "deployment", d.deployment());
        metrics.gauge("llm_breaker_state", () -> breaker.state().gaugeValue(), "region", d.region(), "deployment",
                d.deployment());
        metrics.gauge("llm_region_cooling", () -> l.isCooling() ? 1 : 0, "region", d.region(), "deployment",
                d.deployment());
        metrics.gauge("llm_region_room", l::room, "region", d.region(), "deployment", d.deployment());
        metrics.gauge("llm_region_tokens_available", l::tokensAvailable, "region", d.region(), "deployment",
                d.deployment());
        metrics.gauge("llm_region_requests_available", l::requestsAvailable, "region", d.region(), "deployment",
                d.deployment());
        metrics.gauge("llm_region_cooldown_seconds", () -> l.coolingRemaining().toMillis() / 1000.0, "region",
                d.region(), "deployment", d.deployment());
        metrics.gauge("llm_service_remaining_tokens", l::serviceRemainingTokens, "region", d.region(), "deployment",
                d.deployment());
        metrics.gauge("llm_service_remaining_requests", l::serviceRemainingRequests, "region", d.region(),
                "deployment", d.deployment());
        for (String counter : List.of("llm_admitted_tokens_total", "llm_prompt_tokens_total",
                "llm_completion_tokens_total")) {
            metrics.declare(counter, "region", d.region());
        }
        return l;
    }

    @Override
    public void start(Promise<Void> started) {
        WorkerSettings w = config.worker();
        context.exceptionHandler(e -> LOG.error("unexpected failure on the dispatcher's event loop", e));
        SharedQuota q = config.quota().store() == QuotaSettings.Store.REDIS
                ? new SharedQuota(vertx, context, config.quota(), w.timeScale(), w.bucket().windowMargin(), limiters,
                        () -> fallbackShare.getAsDouble())
                : null;
        Results results = new Results(ticker, metrics, sink);
        packer = new Packer(vertx, backlog, budgets, metrics, () -> admitter.drainAll());
        admitter = new Admitter(vertx, backlog, packer, client, q, metrics, results, wallClock, ticker,
                w.timeScale());
        SplittableRandom random = new SplittableRandom();
        admitter.answers(new Outcomes(backlog, packer, admitter, results, budgets,
                new OutcomePolicy(new RetryPolicy(w.maxAttempts(), w.backoff()), w.maxCooldown()), q, metrics,
                random::nextDouble, w.misconfiguredProbe()));
        // A safety net for deadlines of jobs parked behind a long wait; admission itself is woken by timers.
        housekeepingTimer = vertx.setPeriodic(1000, id -> {
            admitter.drainAll();
            backlog.lanes().forEach(Lane::refreshViews);
        });
        if (q == null) {
            started.complete();
            return;
        }
        metrics.describe("llm_quota_store_up", "1 while quotas are shared through Redis, 0 on a local share.");
        metrics.gauge("llm_quota_store_up", () -> q.up() ? 1 : 0);
        metrics.gauge("llm_quota_store_fallbacks", q::fallbacks);
        metrics.gauge("llm_quota_store_commands_per_request", q::commandsPerRequest);
        shared = q;
        q.start().onComplete(ar -> started.complete());
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
        SharedQuota q = shared;
        if (q == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("store", "redis");
        m.put("state", q.up() ? "shared" : "fallback");
        m.put("share", Math.round(q.share() * 1000) / 1000.0);
        m.put("fallbacks", q.fallbacks());
        m.put("commands_per_request", Math.round(q.commandsPerRequest() * 1000) / 1000.0);
        return m;
    }

    /**
     * The model pools none of whose deployments can be called (every one misconfigured): their jobs wait until one
     * answers again. Any thread.
     */
    public List<String> degradedPools() {
        List<String> out = new ArrayList<>();
        for (Lane lane : backlog.lanes()) {
            if (lane.selector.deployments().stream().allMatch(l -> l.misconfiguredCode() != null)) {
                out.add(lane.pool.name());
            }
        }
        return out;
    }

    /**
     * Probes the deployment {@code deploymentId} ({@link dev.llmbatch.core.config.DeploymentConfig#id()}) at once if
     * it is misconfigured: its credential was just refreshed or re-read. Any thread.
     */
    public void probeSoon(String deploymentId) {
        context.runOnContext(v -> {
            limiters.stream().filter(l -> l.id().equals(deploymentId)).forEach(DeploymentLimiter::probeSoon);
            admitter.drainAll();
        });
    }

    /** The largest reservation any deployment of {@code pool} can grant (bigger jobs are rejected at intake). */
    public long largestAdmissible(ModelPool pool) {
        return backlog.lane(pool.name()).selector.largestAdmissible();
    }

    /** A snapshot of every deployment's admission state, for the status page. Any thread. */
    public List<Map<String, Object>> regions() {
        List<Map<String, Object>> out = new ArrayList<>();
        backlog.lanes().forEach(lane -> lane.selector.deployments().forEach(l -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("pool", lane.pool.name());
            m.put("region", l.config().region());
            m.put("deployment", l.config().deployment());
            m.put("priority", l.config().priority());
            m.put("tpm", l.config().tpm());
            m.put("rpm", l.config().rpm());
            m.put("room", Math.round(l.room() * 1000) / 1000.0);
            m.put("cooling_ms", l.coolingRemaining().toMillis());
            m.put("breaker", l.breaker().state().label());
            m.put("breaker_open_ms", l.breaker().openRemaining().toMillis());
            String fault = l.misconfiguredCode();
            m.put("state", fault != null ? "misconfigured" : l.isCooling() ? "cooling" : "ok");
            m.put("misconfigured_code", fault);
            m.put("prompt_rule", lane.calibrator.rule().label());
            m.put("packing", lane.packing.stopped() ? "stopped" : "on");
            var latency = lane.latencyView.get(l.config().id());
            m.put("latency_samples", latency == null ? 0 : latency.samples());
            m.put("latency_p50_ms", latency == null ? null : latency.answerP50().toMillis());
            m.put("latency_p95_ms", latency == null ? null : latency.answerP95().toMillis());
            m.put("hedging", lane.pool.hedging().enabled());
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
    public CompletionStage<Void> exportLearned(Consumer<Map<String, double[]>> learned) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        context.runOnContext(v -> {
            try {
                Map<String, double[]> changed = budgets.takeChanged();
                if (!changed.isEmpty()) {
                    learned.accept(changed);
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
            batch.forEach(packer::add);
            admitter.drainAll();
        });
    }

    /** Stops timers and the HTTP client; jobs still queued or in a call get no result (they are not committed). */
    public void close() {
        if (context != null) {
            vertx.cancelTimer(housekeepingTimer);
            context.runOnContext(v -> {
                admitter.close();
                packer.close();
            });
        }
        client.close();
        SharedQuota q = shared;
        if (q != null) {
            q.close();
        }
    }
}
