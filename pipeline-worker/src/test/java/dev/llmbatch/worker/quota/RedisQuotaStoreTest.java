package dev.llmbatch.worker.quota;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.redis.embedded.EmbeddedRedis;
import dev.llmbatch.core.admission.QuotaStore.Grant;
import dev.llmbatch.core.admission.QuotaStore.Windows;
import java.time.Duration;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The shared windows against a real redis-server (started by the fixture), on Redis's own clock. */
class RedisQuotaStoreTest {
    private static EmbeddedRedis redis;
    /** 1,000 tokens per 2 s, 5 requests per 1 s; the service window is 2 s. */
    private static final Windows WINDOWS = new Windows(1_000, 5, Duration.ofSeconds(2), Duration.ofSeconds(1),
            Duration.ofSeconds(2));

    @BeforeAll
    static void start() {
        redis = EmbeddedRedis.start();
    }

    @AfterAll
    static void stop() {
        redis.close();
    }

    private static RedisQuotaStore store() {
        return RedisQuotaStore.connect(redis.uri().toString(), "test", 1.0, Duration.ofSeconds(2));
    }

    private static Grant acquire(RedisQuotaStore s, String d, long reserve) {
        return s.acquire(d, WINDOWS, reserve, reserve / 2, reserve).toCompletableFuture().join();
    }

    @Test
    void acquire_twoWorkers_shareOneDeploymentsWindows() {
        String d = "https://x.openai.azure.com/gpt-4o-mini/" + UUID.randomUUID();
        try (RedisQuotaStore a = store(); RedisQuotaStore b = store()) {
            assertThat(acquire(a, d, 600).granted()).isTrue();
            Grant refused = acquire(b, d, 500);
            assertThat(refused.granted()).as("only 400 left for the second worker").isFalse();
            assertThat(refused.usedTokens()).isEqualTo(600);
            assertThat(refused.waitNanos()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(2).toNanos());
            Grant ok = acquire(b, d, 400);
            assertThat(ok.granted()).isTrue();
            assertThat(ok.usedTokens()).isEqualTo(1_000);
            assertThat(ok.byRule()).containsExactly(300 + 200, 600 + 400, 600 + 400);
        }
    }

    @Test
    void acquire_requestWindowFull_refusesUntilTheOldestLeavesIt() {
        String d = "dep-" + UUID.randomUUID();
        try (RedisQuotaStore a = store()) {
            for (int i = 0; i < 5; i++) {
                assertThat(acquire(a, d, 1).granted()).isTrue();
            }
            Grant refused = acquire(a, d, 1);
            assertThat(refused.granted()).isFalse();
            assertThat(refused.usedRequests()).isEqualTo(5);
            Awaitility.await().atMost(Duration.ofSeconds(3)).until(() -> acquire(a, d, 1).granted());
        }
    }

    @Test
    void record_cooldownFromOneWorker_blocksTheOtherUntilItEnds() {
        String d = "dep-" + UUID.randomUUID();
        try (RedisQuotaStore a = store(); RedisQuotaStore b = store()) {
            a.record(d, WINDOWS, Duration.ofMillis(800), 0, 0).toCompletableFuture().join();
            a.record(d, WINDOWS, Duration.ofMillis(100), 0, 0).toCompletableFuture().join();

            Grant refused = acquire(b, d, 10);
            assertThat(refused.granted()).isFalse();
            assertThat(refused.coolingNanos()).as("a shorter cooldown does not shorten it")
                    .isGreaterThan(Duration.ofMillis(500).toNanos());
            Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> acquire(b, d, 10).granted());
        }
    }

    @Test
    void record_usageOfAnotherClient_countsInEveryWorkersWindow() {
        String d = "dep-" + UUID.randomUUID();
        try (RedisQuotaStore a = store(); RedisQuotaStore b = store()) {
            a.record(d, WINDOWS, Duration.ZERO, 700, 0).toCompletableFuture().join();

            assertThat(acquire(b, d, 400).granted()).isFalse();
            assertThat(acquire(b, d, 300).granted()).isTrue();
        }
    }

    @Test
    void acquire_redisRestarted_reloadsItsScriptsAndGoesOn() {
        String d = "dep-" + UUID.randomUUID();
        try (RedisQuotaStore a = store()) {
            assertThat(acquire(a, d, 10).granted()).isTrue();
            redis.restart();
            Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                    .until(() -> acquire(a, d, 10).granted());
        }
    }

    @Test
    void commands_oneAdmission_isOneCommandOnceTheScriptIsLoaded() {
        String d = "dep-" + UUID.randomUUID();
        try (RedisQuotaStore a = store()) {
            acquire(a, d, 1);
            long before = a.commands();
            for (int i = 0; i < 4; i++) {
                acquire(a, d, 1);
            }
            assertThat(a.commands() - before).isEqualTo(4);
        }
    }
}
