package dev.llmbatch.worker.dispatch;

import dev.llmbatch.core.admission.DeploymentLimiter;
import dev.llmbatch.core.admission.RegionSelector;
import dev.llmbatch.core.config.DeploymentConfig;
import dev.llmbatch.core.config.ModelPool;
import dev.llmbatch.core.config.PipelineConfig;
import dev.llmbatch.core.config.WorkerSettings;
import dev.llmbatch.core.job.Priority;
import dev.llmbatch.core.job.ResolvedJob;
import dev.llmbatch.core.outcome.CallOutcome;
import dev.llmbatch.core.outcome.OutcomeClassifier;
import dev.llmbatch.core.request.ChatRequestBody;
import dev.llmbatch.core.result.ErrorInfo;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.core.result.Usage;
import dev.llmbatch.core.retry.RetryPolicy;
import dev.llmbatch.core.time.Ticker;
import dev.llmbatch.worker.admin.Metrics;
import dev.llmbatch.worker.emission.Completion;
import dev.llmbatch.worker.emission.Ticket;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Takes resolved jobs, admits each against its pool's deployments, calls the chosen region, and turns every outcome
 * into either another attempt or a final result handed to the completion sink.
 *
 * <p>All state lives on one Vert.x event-loop context: {@link #submit} hops onto it, HTTP callbacks and timers run on
 * it, so nothing here needs a lock. The completion sink is called on that loop and must not block.
 */
public final class Dispatcher {
    private final Vertx vertx;
    private final Context context;
    private final ChatClient client;
    private final RetryPolicy retry;
    private final Metrics metrics;
    private final Clock wallClock;
    private final Ticker ticker;
    private final double timeScale;
    private final Duration maxCooldown;
    private final Consumer<Completion> sink;
    private final Map<String, Lane> lanes = new LinkedHashMap<>();
    private final SplittableRandom random = new SplittableRandom();
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
        this.ticker = ticker;
        this.timeScale = w.timeScale();
        this.maxCooldown = w.maxCooldown();
        this.sink = sink;
        Map<String, Secret> keys = new HashMap<>();
        for (ModelPool pool : config.models().values()) {
            List<DeploymentLimiter> limiters = new ArrayList<>();
            long largestRequest = pool.maxRequestTokens();
            for (DeploymentConfig d : pool.deployments()) {
                keys.put(d.id(), Secret.resolve(d, env));
                DeploymentLimiter l = new DeploymentLimiter(d, ticker, w.bucket().burstFraction(), largestRequest,
                        w.bucket().windowMargin());
                limiters.add(l);
                metrics.gauge("llm_region_cooling", () -> l.isCooling() ? 1 : 0, "region", d.region(),
                        "deployment", d.deployment());
                metrics.gauge("llm_region_room", l::room, "region", d.region(), "deployment", d.deployment());
            }
            lanes.put(pool.name(), new Lane(new RegionSelector(limiters)));
        }
        this.client = new ChatClient(vertx, new OutcomeClassifier(wallClock, w.defaultCooldown()), keys,
                w.requestTimeout().toMillis(), w.maxConnectionsPerRegion(), w.maxWaitQueue());
        metrics.gauge("llm_jobs_waiting_admission", () -> waiting);
        metrics.gauge("llm_calls_in_flight", () -> inCall);
        // A safety net for deadlines of jobs parked behind a long wait; admission itself is woken by timers.
        this.housekeepingTimer = vertx.setPeriodic(1000, id -> context.runOnContext(v -> lanes.values()
                .forEach(this::drain)));
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
            out.add(m);
        }));
        return out;
    }

    /** Hands jobs over for dispatch. Any thread. */
    public void submit(List<Work> batch) {
        if (batch.isEmpty()) {
            return;
        }
        context.runOnContext(v -> {
            for (Work w : batch) {
                Lane lane = lanes.get(w.job.pool().name());
                lane.add(w, false);
                waiting++;
            }
            lanes.values().forEach(this::drain);
        });
    }

    /** Stops timers and the HTTP client; jobs still queued or in a call get no result (they are not committed). */
    public void close() {
        vertx.cancelTimer(housekeepingTimer);
        context.runOnContext(v -> lanes.values().forEach(l -> {
            if (l.wakeTimer >= 0) {
                vertx.cancelTimer(l.wakeTimer);
            }
        }));
        client.close();
    }

    private void drain(Lane lane) {
        while (true) {
            Work w = lane.peek();
            if (w == null) {
                return;
            }
            if (w.job.job().deadline() != null && !wallClock.instant().isBefore(w.job.job().deadline())) {
                lane.poll();
                waiting--;
                finish(w, Status.EXPIRED, null, null, Usage.NONE, null, new ErrorInfo("deadline_exceeded",
                        "the job's deadline " + w.job.job().deadline() + " passed before it could be answered",
                        false));
                continue;
            }
            RegionSelector.Selection s = lane.selector.select(w.job.reserveTokens(), w.avoid);
            if (s instanceof RegionSelector.Selection.Admitted a) {
                lane.poll();
                waiting--;
                send(lane, w, a.deployment());
            } else if (s instanceof RegionSelector.Selection.Wait wait) {
                lane.wakeIn(wait.nanos());
                return;
            } else {
                lane.poll();
                waiting--;
                finish(w, Status.REJECTED, null, null, Usage.NONE, null, new ErrorInfo("request_too_large",
                        "no deployment of this model pool can admit a request of " + w.job.reserveTokens()
                                + " tokens", false));
            }
        }
    }

    private void send(Lane lane, Work w, DeploymentLimiter limiter) {
        DeploymentConfig d = limiter.config();
        w.calls++;
        if (w.firstSendNanos < 0) {
            w.firstSendNanos = System.nanoTime();
        }
        inCall++;
        metrics.add("llm_admitted_tokens_total", w.job.reserveTokens(), "region", d.region());
        long started = System.nanoTime();
        client.call(d, ChatRequestBody.of(w.job, d)).onComplete(ar -> {
            inCall--;
            metrics.add("llm_call_seconds_sum_micros", (System.nanoTime() - started) / 1000, "region", d.region());
            handle(lane, w, limiter, ar.result());
        });
    }

    private void handle(Lane lane, Work w, DeploymentLimiter limiter, CallOutcome outcome) {
        DeploymentConfig d = limiter.config();
        w.trace.add(d.region() + ":" + outcome.label());
        metrics.inc("llm_calls_total", "region", d.region(), "outcome", outcome.label());
        if (outcome instanceof CallOutcome.Success s) {
            limiter.observeRemaining(s.remainingTokens(), s.remainingRequests());
            Usage usage = new Usage(s.promptTokens(), s.completionTokens());
            if ("content_filter".equals(s.finishReason())) {
                finish(w, Status.FILTERED, "", s.finishReason(), usage, d, new ErrorInfo("content_filter",
                        "the model's output was filtered by the service's content filter", false));
            } else {
                finish(w, Status.SUCCEEDED, s.content(), s.finishReason(), usage, d, null);
            }
            return;
        }
        if (outcome instanceof CallOutcome.RateLimited r) {
            Duration cool = r.retryAfter().compareTo(maxCooldown) > 0 ? maxCooldown : r.retryAfter();
            limiter.coolDown(cool);
            metrics.inc("llm_rate_limited_total", "region", d.region(), "kind", r.kind().name().toLowerCase(),
                    "source", r.source().name().toLowerCase());
            w.avoid.add(d.id());
            lane.add(w, true);
            waiting++;
            drain(lane);
            return;
        }
        RetryPolicy.Decision decision = retry.decide(outcome, ++w.failures, random.nextDouble());
        if (decision instanceof RetryPolicy.Decision.Backoff b) {
            w.avoid.add(d.id());
            metrics.inc("llm_retries_total", "region", d.region());
            vertx.setTimer(realMillis(b.delay().toNanos()), id -> {
                lane.add(w, true);
                waiting++;
                drain(lane);
            });
        } else if (decision instanceof RetryPolicy.Decision.GiveUp g) {
            finish(w, g.status(), null, null, Usage.NONE, d, g.error());
        }
    }

    private void finish(Work w, Status status, String output, String finish, Usage usage, DeploymentConfig d,
            ErrorInfo error) {
        long now = System.nanoTime();
        long queuedMs = ((w.firstSendNanos < 0 ? now : w.firstSendNanos) - w.receivedNanos) / 1_000_000;
        long latencyMs = w.firstSendNanos < 0 ? 0 : (now - w.firstSendNanos) / 1_000_000;
        var job = w.job.job();
        JobResult r = new JobResult(job.id(), status, output, finish, usage, d == null ? null : d.region(),
                d == null ? null : d.deployment(), w.calls, 1, latencyMs, queuedMs, error, job.submitter(),
                job.batch(), job.metadata(), w.trace);
        sink.accept(new Completion(w.ticket, r));
    }

    /** Wall milliseconds for a duration on the (possibly scaled) quota clock; at least 1. */
    private long realMillis(long scaledNanos) {
        double real = scaledNanos / timeScale / 1_000_000.0;
        return Math.max(1, (long) Math.ceil(Math.min(real, 24 * 3600_000.0)));
    }

    /** The queue of one model pool: per priority, FIFO, with a single wake-up timer. */
    private final class Lane {
        final RegionSelector selector;
        final EnumMap<Priority, ArrayDeque<Work>> queues = new EnumMap<>(Priority.class);
        long wakeTimer = -1;
        long wakeAt;

        Lane(RegionSelector selector) {
            this.selector = selector;
            for (Priority p : Priority.values()) {
                queues.put(p, new ArrayDeque<>());
            }
        }

        void add(Work w, boolean front) {
            ArrayDeque<Work> q = queues.get(w.job.job().priority());
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

    /** One job on its way through dispatch. Confined to the dispatcher's event loop once submitted. */
    public static final class Work {
        final ResolvedJob job;
        final Ticket ticket;
        final long receivedNanos;
        final java.util.Set<String> avoid = new java.util.HashSet<>(2);
        final List<String> trace = new ArrayList<>(2);
        int calls;
        int failures;
        long firstSendNanos = -1;

        public Work(ResolvedJob job, Ticket ticket, long receivedNanos) {
            this.job = job;
            this.ticket = ticket;
            this.receivedNanos = receivedNanos;
        }
    }
}
