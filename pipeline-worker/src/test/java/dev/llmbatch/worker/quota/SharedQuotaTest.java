package dev.llmbatch.worker.quota;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.admission.CircuitBreaker;
import dev.llmbatch.core.admission.DeploymentLimiter;
import dev.llmbatch.core.admission.InMemoryQuotaStore;
import dev.llmbatch.core.admission.QuotaStore;
import dev.llmbatch.core.admission.RequestCost;
import dev.llmbatch.core.config.ApiStyle;
import dev.llmbatch.core.config.DeploymentConfig;
import dev.llmbatch.core.config.QuotaSettings;
import dev.llmbatch.core.estimate.PromptRule;
import dev.llmbatch.core.time.FakeTicker;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two workers' dispatchers sharing one store (in this process), on a fake quota clock. */
class SharedQuotaTest {
    private static final DeploymentConfig DEPLOYMENT = new DeploymentConfig("eastus",
            URI.create("https://eastus.openai.azure.com"), "gpt-4o-mini", ApiStyle.CLASSIC, "2024-10-21", "K", null,
            6_000, 60_000, 1);
    private static final QuotaSettings SETTINGS = new QuotaSettings(QuotaSettings.Store.REDIS, "redis://unused:1/0",
            "test", Duration.ofSeconds(1));
    private final FakeTicker ticker = new FakeTicker();
    private final InMemoryQuotaStore store = new InMemoryQuotaStore(ticker);
    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    private DeploymentLimiter limiter() {
        return new DeploymentLimiter(DEPLOYMENT, ticker, 1_000, Duration.ZERO, 64, CircuitBreaker.disabled(), 1.0);
    }

    private SharedQuota worker(DeploymentLimiter l, java.util.concurrent.Callable<QuotaStore> connect) {
        Context ctx = vertx.getOrCreateContext();
        return new SharedQuota(vertx, ctx, SETTINGS, 1.0, Duration.ZERO, List.of(l), () -> 0.5, connect);
    }

    private static SharedQuota.Result admit(SharedQuota q, DeploymentLimiter l, long tokens) {
        CompletableFuture<SharedQuota.Result> r = new CompletableFuture<>();
        q.admit(l, RequestCost.flat(tokens), r::complete);
        return r.join();
    }

    @Test
    void admit_secondWorkerBeyondTheFleetsRoom_isRefusedAndHeld() {
        DeploymentLimiter la = limiter();
        DeploymentLimiter lb = limiter();
        SharedQuota a = worker(la, () -> store);
        SharedQuota b = worker(lb, () -> store);

        for (int i = 0; i < 4; i++) {
            assertThat(admit(a, la, 1_000)).isEqualTo(SharedQuota.Result.GRANTED);
        }
        assertThat(admit(b, lb, 1_000)).isEqualTo(SharedQuota.Result.GRANTED);
        assertThat(admit(b, lb, 1_000)).isEqualTo(SharedQuota.Result.GRANTED);
        assertThat(lb.tryAcquire(1_000)).as("B's own limiter alone would admit a third").isTrue();
        assertThat(admit(b, lb, 1_000)).isEqualTo(SharedQuota.Result.REFUSED);

        assertThat(lb.nanosUntilAdmissible(100)).as("B holds the deployment until A's tokens leave the window")
                .isEqualTo(Duration.ofSeconds(60).toNanos());
        assertThat(b.commandsPerRequest()).as("one shared store: 7 commands, 6 granted, 4 of them A's")
                .isEqualTo(7.0 / 2);
    }

    @Test
    void coolDown_learnedByOneWorker_coolsTheOther() {
        DeploymentLimiter la = limiter();
        DeploymentLimiter lb = limiter();
        SharedQuota a = worker(la, () -> store);
        SharedQuota b = worker(lb, () -> store);

        a.coolDown(la, Duration.ofSeconds(7));

        assertThat(admit(b, lb, 10)).isEqualTo(SharedQuota.Result.REFUSED);
        assertThat(lb.isCooling()).isTrue();
        assertThat(lb.coolingRemaining()).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void observation_comparesTheServiceWithTheFleetsAdmissionsNotOneWorkers() {
        DeploymentLimiter la = limiter();
        DeploymentLimiter lb = limiter();
        SharedQuota a = worker(la, () -> store);
        SharedQuota b = worker(lb, () -> store);
        // Japanese prompts: 30 by the character rule, 81 by the tokenizer; 20 max_tokens.
        RequestCost cost = RequestCost.of(PromptRule.CHARS, 81, 30, 20);
        CompletableFuture<SharedQuota.Granted> first = new CompletableFuture<>();
        a.admit(la, cost, (r, g) -> first.complete(g));
        CompletableFuture<SharedQuota.Granted> second = new CompletableFuture<>();
        b.admit(lb, cost, (r, g) -> second.complete(g));
        second.join();
        CompletableFuture<SharedQuota.Granted> third = new CompletableFuture<>();
        a.admit(la, cost, (r, g) -> third.complete(g));
        third.join();

        // The service charges by characters; A's next grant told it of B's request: 3 x 50 in the fleet's window.
        var o = a.observation(la, first.join(), cost, 6_000 - 100);

        assertThat(o.predicted(PromptRule.CHARS)).isEqualTo(6_000 - 50);
        assertThat(o.floor(PromptRule.CHARS)).as("B's and A's later requests may have reached the service first")
                .isEqualTo(6_000 - 150);
        assertThat(o.floor(PromptRule.TOKENS)).isEqualTo(6_000 - 303);
        assertThat(o.remaining()).isGreaterThan(o.floor(PromptRule.CHARS));
    }

    @Test
    void storeUnreachableAtStart_fallsBackToTheShareThenReturns() {
        DeploymentLimiter l = limiter();
        AtomicBoolean reachable = new AtomicBoolean(false);
        SharedQuota q = worker(l, () -> {
            if (!reachable.get()) {
                throw new IllegalStateException("connection refused");
            }
            return store;
        });

        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> q.fallbacks() == 1 && !q.up());
        assertThat(q.share()).isEqualTo(0.5);
        for (int i = 0; i < 3; i++) {
            assertThat(l.tryAcquire(1_000)).isTrue();
        }
        assertThat(l.tryAcquire(1)).as("half of 6,000 tokens while the store is away").isFalse();

        reachable.set(true);

        Awaitility.await().atMost(Duration.ofSeconds(5)).until(q::up);
        assertThat(q.share()).isEqualTo(1.0);
        assertThat(l.tryAcquire(1_000)).isTrue();
    }
}
