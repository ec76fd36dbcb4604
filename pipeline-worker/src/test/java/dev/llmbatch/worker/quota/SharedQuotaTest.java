package dev.llmbatch.worker.quota;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.admission.CircuitBreaker;
import dev.llmbatch.core.admission.DeploymentLimiter;
import dev.llmbatch.core.admission.QuotaStore;
import dev.llmbatch.core.admission.RequestCost;
import dev.llmbatch.core.config.ApiStyle;
import dev.llmbatch.core.config.DeploymentConfig;
import dev.llmbatch.core.config.QuotaSettings;
import dev.llmbatch.core.estimate.PromptRule;
import dev.llmbatch.core.time.FakeTicker;
import dev.llmbatch.redis.embedded.EmbeddedRedis;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two workers' dispatchers sharing one real redis-server (started by the fixture). The workers' own limiters run on
 * a fake clock; Redis's quota clock runs 60 times faster than real time (a 60 s window is 1 s).
 */
class SharedQuotaTest {
    private static final double TIME_SCALE = 60;
    private static EmbeddedRedis redis;
    private final DeploymentConfig deployment = new DeploymentConfig("eastus",
            URI.create("https://eastus.openai.azure.com"), "gpt-4o-mini-" + UUID.randomUUID(), ApiStyle.CLASSIC,
            "2024-10-21", "K", null, 6_000, 60_000, 1);
    private final QuotaSettings settings = new QuotaSettings(QuotaSettings.Store.REDIS, redis.uri().toString(),
            "test", Duration.ofSeconds(2), Duration.ofSeconds(30));
    private final FakeTicker ticker = new FakeTicker();
    private final Vertx vertx = Vertx.vertx();
    private final List<QuotaStore> stores = new ArrayList<>();

    @BeforeAll
    static void start() {
        redis = EmbeddedRedis.start();
    }

    @AfterAll
    static void stop() {
        redis.close();
    }

    @AfterEach
    void close() {
        stores.forEach(QuotaStore::close);
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    /** A limiter whose pacers would let 1,000 tokens through at once (the whole window as burst). */
    private DeploymentLimiter limiter(double burstFraction) {
        return new DeploymentLimiter(deployment, ticker, 1_000, Duration.ZERO, 64, CircuitBreaker.disabled(),
                burstFraction);
    }

    private QuotaStore connect() {
        QuotaStore s = RedisQuotaStore.connect(settings.redisUri(), settings.keyPrefix(), TIME_SCALE,
                settings.timeout());
        stores.add(s);
        return s;
    }

    private SharedQuota worker(DeploymentLimiter l, Callable<QuotaStore> connect) {
        Context ctx = vertx.getOrCreateContext();
        SharedQuota q = new SharedQuota(vertx, ctx, settings, TIME_SCALE, Duration.ZERO, List.of(l), () -> 0.5,
                connect);
        q.start().toCompletionStage().toCompletableFuture().join();
        return q;
    }

    /** Asks for every cost in one event-loop turn, the way the dispatcher's drain does; the answers in order. */
    private List<CompletableFuture<SharedQuota.Granted>> admitTogether(SharedQuota q, DeploymentLimiter l,
            List<RequestCost> costs, List<SharedQuota.Result> results) {
        List<CompletableFuture<SharedQuota.Granted>> out = new ArrayList<>();
        costs.forEach(c -> out.add(new CompletableFuture<>()));
        vertx.getOrCreateContext().runOnContext(v -> {
            for (int i = 0; i < costs.size(); i++) {
                CompletableFuture<SharedQuota.Granted> f = out.get(i);
                q.admit(l, costs.get(i), (r, g) -> {
                    synchronized (results) {
                        results.add(r);
                    }
                    f.complete(g);
                });
            }
        });
        return out;
    }

    private SharedQuota.Result admit(SharedQuota q, DeploymentLimiter l, long tokens) {
        List<SharedQuota.Result> results = new ArrayList<>();
        admitTogether(q, l, List.of(RequestCost.flat(tokens)), results).get(0).join();
        return results.get(0);
    }

    @Test
    void admit_requestsAskedInOneTurn_areBookedWithOneCommandAndSentInTheirTurns() {
        DeploymentLimiter l = limiter(0.02);
        SharedQuota q = worker(l, this::connect);
        admit(q, l, 10);
        long before = stores.get(0).commands();
        List<SharedQuota.Result> results = new ArrayList<>();

        // 1,000-token requests: the pacer lets one through at once and refills 100 tokens per simulated second.
        var granted = admitTogether(q, l, List.of(RequestCost.flat(1_000), RequestCost.flat(1_000),
                RequestCost.flat(1_000)), results);
        granted.forEach(CompletableFuture::join);

        assertThat(results).containsOnly(SharedQuota.Result.GRANTED).hasSize(3);
        assertThat(stores.get(0).commands() - before).as("three requests, one Redis command").isEqualTo(1);
        assertThat(granted.get(2).join().turn().delayNanos() - granted.get(1).join().turn().delayNanos())
                .as("10 s apart on the quota clock: the fleet's pace, 6,000 tokens per 60 s")
                .isBetween(Duration.ofMillis(9_900).toNanos(), Duration.ofMillis(10_100).toNanos());
        assertThat(q.commandsPerRequest()).isEqualTo(2.0 / 4);
    }

    @Test
    void admit_secondWorkerBeyondTheFleetsRoom_isRefusedAndHeld() {
        DeploymentLimiter la = limiter(1.0);
        DeploymentLimiter lb = limiter(1.0);
        SharedQuota a = worker(la, this::connect);
        SharedQuota b = worker(lb, this::connect);
        long startedNanos = System.nanoTime();

        for (int i = 0; i < 4; i++) {
            assertThat(admit(a, la, 1_000)).isEqualTo(SharedQuota.Result.GRANTED);
        }
        assertThat(admit(b, lb, 1_000)).isEqualTo(SharedQuota.Result.GRANTED);
        assertThat(admit(b, lb, 1_000)).isEqualTo(SharedQuota.Result.GRANTED);
        assertThat(lb.tryAcquire(1_000)).as("B's own limiter alone would admit a third").isTrue();
        assertThat(admit(b, lb, 1_000)).isEqualTo(SharedQuota.Result.REFUSED);
        long between = (long) ((System.nanoTime() - startedNanos) * TIME_SCALE);

        assertThat(lb.nanosUntilAdmissible(100)).as("B holds the deployment until its turn would be 30 s off")
                .isBetween(Duration.ofSeconds(30).toNanos() - between, Duration.ofSeconds(30).toNanos());
    }

    @Test
    void coolDown_learnedByOneWorker_coolsTheOther() {
        DeploymentLimiter la = limiter(1.0);
        DeploymentLimiter lb = limiter(1.0);
        SharedQuota a = worker(la, this::connect);
        SharedQuota b = worker(lb, this::connect);

        a.coolDown(la, Duration.ofSeconds(30));

        // Pushed to B at once (Redis pub/sub), before B asks for anything: requests it booked earlier wait too.
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(lb::isCooling);
        assertThat(lb.coolingRemaining()).isBetween(Duration.ofSeconds(20), Duration.ofSeconds(30));
        assertThat(admit(b, lb, 10)).as("and the fleet's schedule refuses while it lasts")
                .isEqualTo(SharedQuota.Result.REFUSED);
    }

    @Test
    void observation_comparesTheServiceWithTheFleetsAdmissionsNotOneWorkers() {
        DeploymentLimiter la = limiter(1.0);
        DeploymentLimiter lb = limiter(1.0);
        SharedQuota a = worker(la, this::connect);
        SharedQuota b = worker(lb, this::connect);
        // Japanese prompts: 30 by the character rule, 81 by the tokenizer; 20 max_tokens.
        RequestCost cost = RequestCost.of(PromptRule.CHARS, 81, 30, 20);
        List<SharedQuota.Result> ignored = new ArrayList<>();
        SharedQuota.Granted first = admitTogether(a, la, List.of(cost), ignored).get(0).join();
        admitTogether(b, lb, List.of(cost), ignored).get(0).join();
        admitTogether(a, la, List.of(cost), ignored).get(0).join();

        // The service charges by characters; A's next turn told it of B's request: 3 x 50 in the fleet's window.
        var o = a.observation(la, first, cost, 6_000 - 100);

        assertThat(o.predicted(PromptRule.CHARS)).isEqualTo(6_000 - 50);
        assertThat(o.floor(PromptRule.CHARS)).as("B's and A's later requests may have reached the service first")
                .isEqualTo(6_000 - 150);
        assertThat(o.floor(PromptRule.TOKENS)).isEqualTo(6_000 - 303);
        assertThat(o.remaining()).isGreaterThan(o.floor(PromptRule.CHARS));
    }

    @Test
    void storeUnreachableAtStart_fallsBackToTheShareThenReturns() {
        DeploymentLimiter l = limiter(1.0);
        AtomicBoolean reachable = new AtomicBoolean(false);
        SharedQuota q = worker(l, () -> {
            if (!reachable.get()) {
                throw new IllegalStateException("connection refused");
            }
            return connect();
        });

        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> q.fallbacks() == 1 && !q.up());
        assertThat(q.share()).isEqualTo(0.5);
        for (int i = 0; i < 3; i++) {
            assertThat(l.tryAcquire(1_000)).isTrue();
        }
        assertThat(l.tryAcquire(1)).as("half of 6,000 tokens while the store is away").isFalse();

        reachable.set(true);

        Awaitility.await().atMost(Duration.ofSeconds(30)).until(q::up);
        assertThat(q.share()).isEqualTo(1.0);
        assertThat(admit(q, l, 3_000)).isEqualTo(SharedQuota.Result.GRANTED);
        assertThat(admit(q, l, 1)).as("the 3,000 tokens admitted alone were recorded in the fleet's window")
                .isEqualTo(SharedQuota.Result.REFUSED);
    }
}
