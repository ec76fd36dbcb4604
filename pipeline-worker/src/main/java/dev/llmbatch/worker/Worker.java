package dev.llmbatch.worker;

import dev.llmbatch.core.config.Delivery;
import dev.llmbatch.core.config.KafkaSettings;
import dev.llmbatch.core.config.PipelineConfig;
import dev.llmbatch.core.job.JobResolver;
import dev.llmbatch.core.time.Ticker;
import dev.llmbatch.worker.admin.AdminServer;
import dev.llmbatch.worker.admin.ConsumerLag;
import dev.llmbatch.worker.admin.Metrics;
import dev.llmbatch.worker.admin.StatusSections;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.worker.dispatch.Dispatcher;
import dev.llmbatch.worker.auth.Credentials;
import dev.llmbatch.worker.dispatch.HttpChatClient;
import dev.llmbatch.worker.state.LearnedStateTopic;
import dev.llmbatch.worker.emission.Completion;
import dev.llmbatch.worker.intake.KafkaLoop;
import dev.llmbatch.worker.topics.TopicCheck;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running worker: the Kafka loop thread, the dispatcher on a Vert.x event loop, and the admin HTTP server.
 * {@link #start} returns once everything is running; {@link #close} stops intake, lets in-flight jobs finish within
 * the grace period, commits, and releases everything. Thread-safe.
 */
public final class Worker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
    /** How long a starting worker waits for its first Entra ID tokens before it reads jobs anyway. */
    private static final java.time.Duration FIRST_TOKEN_WAIT = java.time.Duration.ofSeconds(30);
    /** How often the group's lag is read (two Admin requests; the status page polls every 2 s). */
    private static final long LAG_REFRESH_MS = 2000;

    private final PipelineConfig config;
    private final Vertx vertx;
    private final Metrics metrics;
    private final Dispatcher dispatcher;
    private final KafkaLoop loop;
    private final Thread thread;
    private final AdminServer admin;
    private final LearnedStateTopic learnedState;
    private final long learnedTimer;
    private final ConsumerLag lag;
    private final long lagTimer;
    private volatile boolean closed;

    private Worker(PipelineConfig config, Map<String, String> env) {
        this.config = config;
        this.vertx = Vertx.vertx();
        this.metrics = new Metrics();
        describeMetrics();
        ConcurrentLinkedQueue<Completion> completions = new ConcurrentLinkedQueue<>();
        this.lag = ConsumerLag.of(config.kafka(), Ticker.system(), metrics);
        declareDeployments(config);
        try {
            Credentials credentials = Credentials.create(vertx, config, env, Clock.systemUTC());
            this.dispatcher = new Dispatcher(config, Ticker.scaled(config.worker().timeScale()), Ticker.system(),
                    Clock.systemUTC(), metrics, HttpChatClient.create(vertx, config, credentials, Clock.systemUTC()),
                    c -> {
                        observe(c.result());
                        completions.add(c);
                    });
            vertx.deployVerticle(dispatcher).toCompletionStage().toCompletableFuture().join();
            credentials.onChanged(dispatcher::probeSoon);
            awaitFirstTokens(credentials);
        } catch (RuntimeException e) {
            lag.close();
            vertx.close();
            throw e;
        }
        String stateTopic = config.worker().learning().stateTopic();
        this.learnedState = LearnedStateTopic.open(config.kafka(), stateTopic);
        if (learnedState != null) {
            dispatcher.restoreLearned(LearnedStateTopic.read(config.kafka(), stateTopic));
            this.learnedTimer = vertx.setPeriodic(config.worker().learning().persistInterval().toMillis(),
                    id -> dispatcher.exportLearned(learnedState::write));
        } else {
            this.learnedTimer = -1;
        }
        JobResolver resolver = new JobResolver(config, dispatcher::largestAdmissible);
        // the loop's ticker is the JVM's unscaled clock: commit intervals and the grace period are real time, and
        // Item's receive time is compared with System.nanoTime() by the dispatcher
        this.loop = new KafkaLoop(withInstanceTransactionalId(config), resolver, dispatcher::submit, completions,
                metrics, Clock.systemUTC(), Ticker.system(), config.worker().maxInFlight(),
                config.worker().gracePeriod(), config.worker().idempotency());
        dispatcher.fallbackShare(loop::assignedShare);
        metrics.describe("llm_worker_ready", "1 while /health/ready says 200: partitions to work on, a result producer "
                + "that can publish, a deployment to call in every pool.");
        metrics.gauge("llm_worker_ready", () -> health().getBoolean("ready") ? 1 : 0);
        this.thread = new Thread(loop, "llm-worker-kafka");
        lag.refresh();
        this.lagTimer = vertx.setPeriodic(LAG_REFRESH_MS, id -> lag.refresh());
        this.admin = config.worker().httpPort() < 0 ? null
                : AdminServer.start(vertx, config.worker().httpHost(), config.worker().httpPort(), metrics,
                        this::health, this::status);
        thread.start();
    }

    /**
     * Waits (at most {@link #FIRST_TOKEN_WAIT}) for the first Entra ID tokens, so that the first jobs do not find their
     * deployments without one; a sign-in still failing then goes on being retried while the worker runs.
     */
    private static void awaitFirstTokens(Credentials credentials) {
        try {
            credentials.start().get(FIRST_TOKEN_WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            LOG.warn("no Entra ID token within {} s; starting anyway (their deployments get calls once one comes)",
                    FIRST_TOKEN_WAIT.toSeconds());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            LOG.warn("first Entra ID token fetch failed", e.getCause());
        }
    }

    /**
     * The transactional id of this instance, when none is configured: {@code <group>-<host>-<admin port>} if the
     * admin port is fixed (two workers on one host cannot share it, so the id is unique, and a worker restarted in
     * the same place gets the same id back, which fences its dead predecessor and aborts the transaction it left
     * open at once instead of after transaction.timeout.ms); otherwise {@code <group>-<random>}.
     */
    static KafkaSettings withInstanceTransactionalId(PipelineConfig config) {
        KafkaSettings k = config.kafka();
        if (k.delivery() != Delivery.EXACTLY_ONCE || k.transactionalId() != null) {
            return k;
        }
        int port = config.worker().httpPort();
        return k.withTransactionalId(port > 0 ? k.group() + "-" + hostName() + "-" + port
                : k.group() + "-" + UUID.randomUUID());
    }

    private static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env.trim();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    /**
     * Starts a worker.
     *
     * @param env where API keys are read from; pass {@code System.getenv()} in production
     * @throws dev.llmbatch.worker.topics.MissingTopicsException if a topic is missing and
     *                                                           {@code kafka.create-topics} is false
     */
    public static Worker start(PipelineConfig config, Map<String, String> env) {
        TopicCheck.ensure(config.kafka());
        Worker w = new Worker(config, env);
        LOG.info("worker started: group {} topic {} pools {} admin {}", config.kafka().group(),
                config.kafka().jobsTopic(), config.models().keySet(),
                w.admin == null ? "off" : config.worker().httpHost() + ":" + w.admin.port());
        return w;
    }

    public Metrics metrics() {
        return metrics;
    }

    /** The admin HTTP port, or -1 when the admin server is off. */
    public int adminPort() {
        return admin == null ? -1 : admin.port();
    }

    public boolean isRunning() {
        return loop.isRunning();
    }

    /** Why the worker stopped on its own, or null. */
    public Throwable failure() {
        return loop.failure();
    }

    /** Blocks until the Kafka loop ends (after {@link #close} or a fatal error). */
    public void awaitTermination() throws InterruptedException {
        thread.join();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        loop.stop();
        try {
            Duration wait = config.worker().gracePeriod().plusSeconds(30);
            if (!loop.awaitTermination(wait)) {
                LOG.warn("the kafka loop did not stop within {}; interrupting it", wait);
                thread.interrupt();
                loop.awaitTermination(Duration.ofSeconds(10));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (learnedState != null) {
            vertx.cancelTimer(learnedTimer);
            dispatcher.exportLearned(learnedState::write).toCompletableFuture().orTimeout(10, TimeUnit.SECONDS)
                    .exceptionally(e -> null).join();
            learnedState.close();
        }
        dispatcher.close();
        vertx.cancelTimer(lagTimer);
        if (admin != null) {
            admin.close();
        }
        vertx.close().toCompletionStage().toCompletableFuture().join();
        lag.close();
        metrics.close();
        LOG.info("worker stopped");
    }

    private JsonObject health() {
        List<String> degraded = dispatcher.degradedPools();
        String status = loop.failure() != null ? "failed" : loop.isStopping() ? "stopping"
                : !loop.isRunning() ? "starting" : degraded.isEmpty() ? "up" : "degraded";
        // Degraded: a model pool has no deployment it can call (all misconfigured); its jobs wait, nothing fails.
        // Ready: running with partitions to work on and a deployment to call in every pool.
        // The result producer must be able to publish: transactions initialised, not fenced.
        boolean ready = "up".equals(status) && loop.assignedPartitions() > 0 && loop.producerReady();
        return new JsonObject().put("status", status).put("ready", ready).put("producer_ready", loop.producerReady())
                .put("assigned_partitions", loop.assignedPartitions()).put("in_flight", loop.inFlight())
                .put("degraded_pools", new JsonArray(degraded));
    }

    private JsonObject status() {
        JsonArray regions = new JsonArray();
        // a copy that keeps null values (misconfigured_code of a healthy deployment); Map.copyOf throws on them
        dispatcher.regions().forEach(m -> regions.add(new JsonObject(new java.util.LinkedHashMap<>(m))));
        return health().put("paused", loop.isPaused())
                .put("results", new JsonObject(Map.copyOf(metrics.values("llm_results_total"))))
                .put("regions", regions)
                .put("quota", dispatcher.quotaStore() == null ? new JsonObject().put("store", "local")
                        : new JsonObject(dispatcher.quotaStore()))
                .put("lag", StatusSections.lag(lag.snapshot(), Ticker.system()))
                .put("totals", StatusSections.totals(metrics))
                .put("errors", StatusSections.errors(metrics))
                .put("time_ms", System.currentTimeMillis());
    }

    /** What the dispatcher hands back, seen on its way to the Kafka loop: the lag's token mean, error codes. */
    private void observe(dev.llmbatch.core.result.JobResult r) {
        lag.onResult(r);
        if (r.error() != null && r.error().code() != null) {
            metrics.inc("llm_result_errors_total", "code", r.error().code());
        }
    }

    /**
     * Each configured deployment's quota, labelled {pool, region, deployment}: the ceiling that admitted tokens are
     * compared with, and the one series that names a deployment's pool (alerts join on it).
     */
    private void declareDeployments(PipelineConfig config) {
        metrics.describe("llm_deployment_quota_tokens_per_minute", "A deployment's configured TPM quota.");
        metrics.describe("llm_deployment_quota_requests_per_minute", "A deployment's configured RPM quota.");
        config.models().forEach((pool, p) -> p.deployments().forEach(d -> {
            metrics.gauge("llm_deployment_quota_tokens_per_minute", () -> d.tpm(), "pool", pool, "region",
                    d.region(), "deployment", d.deployment());
            metrics.gauge("llm_deployment_quota_requests_per_minute", () -> d.rpm(), "pool", pool, "region",
                    d.region(), "deployment", d.deployment());
        }));
    }

    private void describeMetrics() {
        metrics.describe("llm_jobs_received_total", "Job records read from the jobs topic.");
        metrics.describe("llm_results_total", "Results published, by status.");
        for (Status s : Status.values()) {
            metrics.declare("llm_results_total", "status", s.wire());
        }
        metrics.describe("llm_dlq_total", "Records sent to the DLQ, by reason.");
        metrics.describe("llm_calls_total", "Chat-completion calls, by region and outcome.");
        metrics.describe("llm_rate_limited_total", "429 answers, by region, limit kind and retry-after source.");
        metrics.describe("llm_admitted_tokens_total", "Tokens reserved against each region's quota.");
        metrics.describe("llm_jobs_in_flight", "Jobs read and not yet answered.");
        metrics.describe("llm_intake_paused", "1 while intake is paused for backpressure.");
        metrics.describe("llm_jobs_skipped_done_total", "Records skipped: their commit records them as answered.");
        metrics.describe("llm_intake_metadata_pauses_total", "Partitions paused for a full commit metadata.");
        metrics.describe("llm_intake_metadata_paused", "Partitions paused now: commit metadata full or unread.");
        metrics.describe("llm_completions_held", "Results held until the commit metadata has room for them.");
        metrics.describe("llm_commit_metadata_chars", "Longest commit metadata in the last commit, in characters.");
        metrics.describe("llm_jobs_deduplicated_total", "Jobs answered from an earlier job with the same id, without "
                + "a call: replayed (answered before) or joined (answered together with one in flight).");
        metrics.describe("llm_idempotency_answers", "Answers remembered for idempotency by job id.");
        metrics.describe("llm_commit_timeouts_total", "Commits the broker did not confirm in time (held, resumed).");
        metrics.describe("llm_result_errors_total", "Results the dispatcher gave an error, by error code.");
    }
}
