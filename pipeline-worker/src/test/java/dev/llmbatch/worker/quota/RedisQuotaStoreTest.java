package dev.llmbatch.worker.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.llmbatch.core.admission.QuotaStore.Booking;
import dev.llmbatch.core.admission.QuotaStore.Turn;
import dev.llmbatch.core.admission.QuotaStore.Windows;
import dev.llmbatch.core.admission.RequestCost;
import dev.llmbatch.core.estimate.PromptRule;
import dev.llmbatch.redis.embedded.EmbeddedRedis;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fleet's schedule against a real redis-server (started by the fixture), on Redis's own clock. The quota clock
 * runs 30 times faster (a 60 s window is 2 s of Redis time); every figure below is in quota-clock time.
 */
class RedisQuotaStoreTest {
    private static final double TIME_SCALE = 30;
    private static EmbeddedRedis redis;

    /** 1,000 tokens per 60 s and 5 requests per 10 s, no margin, the whole window as burst, turns up to 30 s off. */
    private static final Windows WINDOWS = windows(1_000, 5, Duration.ofSeconds(30));

    private static Windows windows(long tokenBurst, long requestBurst, Duration ahead) {
        return new Windows(1_000, 5, Windows.TOKEN_WINDOW, Windows.REQUEST_WINDOW, tokenBurst, requestBurst, ahead);
    }

    @BeforeAll
    static void start() {
        redis = EmbeddedRedis.start();
    }

    @AfterAll
    static void stop() {
        redis.close();
    }

    private static RedisQuotaStore store() {
        return RedisQuotaStore.connect(redis.uri().toString(), "test", TIME_SCALE, Duration.ofSeconds(2));
    }

    private static String deployment() {
        return "https://x.openai.azure.com/gpt-4o-mini/" + UUID.randomUUID();
    }

    private static Booking book(RedisQuotaStore s, String d, Windows w, long... reserves) {
        List<RequestCost> costs = java.util.Arrays.stream(reserves)
                .mapToObj(r -> RequestCost.of(PromptRule.MAX, r, r / 2, 0)).toList();
        return s.acquire(d, w, costs).toCompletableFuture().join();
    }

    private static double seconds(Turn t) {
        return t.delayNanos() / 1e9;
    }

    @Test
    void acquire_twoWorkers_shareOneDeploymentsTokenWindow() {
        String d = deployment();
        try (RedisQuotaStore a = store(); RedisQuotaStore b = store()) {
            long startedNanos = System.nanoTime();
            assertThat(book(a, d, WINDOWS, 600).turns()).hasSize(1);

            Booking refused = book(b, d, WINDOWS, 500);
            double between = (System.nanoTime() - startedNanos) * TIME_SCALE / 1e9;
            assertThat(refused.turns()).as("only 400 left for the second worker until A's 600 leave the window")
                    .isEmpty();
            assertThat(refused.waitNanos() / 1e9).as("A's tokens leave at 60 s; 30 s ahead may be booked")
                    .isBetween(30 - between - 0.01, 30.01);

            Booking ok = book(b, d, WINDOWS, 400);
            assertThat(ok.turns()).hasSize(1);
            Turn t = ok.turns().get(0);
            assertThat(seconds(t)).isLessThan(0.5);
            assertThat(t.usedTokens()).isEqualTo(1_000);
            assertThat(t.byRule()).as("chars, tokens, max over both workers' requests")
                    .containsExactly(300 + 200, 600 + 400, 600 + 400);
        }
    }

    @Test
    void acquire_severalRequestsInOneCommand_getPacedTurnsInOrder() {
        String d = deployment();
        // A burst of 100 tokens refilled at 1,000 per 60 s: a 100-token request every 6 s.
        Windows paced = windows(100, 5, Duration.ofSeconds(30));
        try (RedisQuotaStore a = store()) {
            book(a, d + "-warm", paced, 1);
            long before = a.commands();

            Booking b = book(a, d, paced, 100, 100, 100);

            assertThat(a.commands() - before).isEqualTo(1);
            assertThat(b.turns()).hasSize(3);
            assertThat(seconds(b.turns().get(0))).isLessThan(0.5);
            assertThat(seconds(b.turns().get(1))).isCloseTo(6, within(0.01));
            assertThat(seconds(b.turns().get(2))).isCloseTo(12, within(0.01));
            assertThat(b.turns().get(2).usedTokens()).isEqualTo(300);
        }
    }

    @Test
    void acquire_turnBeyondTheHorizon_isRefusedWithTheRestAndTheWaitUntilItFits() {
        String d = deployment();
        Windows paced = windows(100, 5, Duration.ofSeconds(10));
        try (RedisQuotaStore a = store(); RedisQuotaStore b = store()) {
            book(a, d + "-warm", paced, 1);
            book(b, d + "-warm", paced, 1);
            long startedNanos = System.nanoTime();
            Booking first = book(a, d, paced, 100, 100, 100, 1);

            assertThat(first.turns()).as("0 s and 6 s fit in 10 s; 12 s does not, nor anything after it")
                    .hasSize(2);
            assertThat(first.waitNanos() / 1e9).isCloseTo(2, within(0.1));

            Booking second = book(b, d, paced, 1);
            double between = (System.nanoTime() - startedNanos) * TIME_SCALE / 1e9;
            assertThat(second.turns()).hasSize(1);
            assertThat(seconds(second.turns().get(0)) + between)
                    .as("turns never go back: B's small request comes after A's second, 6 s after A asked")
                    .isGreaterThanOrEqualTo(6);
        }
    }

    @Test
    void acquire_requestWindowFull_givesTheTurnWhenTheOldestLeavesIt() {
        String d = deployment();
        try (RedisQuotaStore a = store()) {
            Booking b = book(a, d, WINDOWS, 1, 1, 1, 1, 1, 1);

            assertThat(b.turns()).hasSize(6);
            assertThat(seconds(b.turns().get(4))).isLessThan(0.5);
            assertThat(seconds(b.turns().get(5))).as("5 requests per 10 s: the sixth when the first leaves")
                    .isCloseTo(10, within(0.5));
            assertThat(b.usedRequests()).isEqualTo(1);
        }
    }

    @Test
    void record_cooldownFromOneWorker_refusesTheOtherUntilItEnds() {
        String d = deployment();
        try (RedisQuotaStore a = store(); RedisQuotaStore b = store()) {
            long startedNanos = System.nanoTime();
            a.record(d, WINDOWS, Duration.ofSeconds(24), 0, 0).toCompletableFuture().join();
            a.record(d, WINDOWS, Duration.ofSeconds(3), 0, 0).toCompletableFuture().join();

            Booking refused = book(b, d, WINDOWS, 10);
            long between = (long) ((System.nanoTime() - startedNanos) * TIME_SCALE);
            assertThat(refused.turns()).isEmpty();
            assertThat(refused.coolingNanos()).as("a shorter cooldown does not shorten it")
                    .isGreaterThan(Math.min(Duration.ofSeconds(24).toNanos() - between,
                            Duration.ofSeconds(20).toNanos()));
            Awaitility.await().atMost(Duration.ofSeconds(3)).until(() -> !book(b, d, WINDOWS, 10).turns().isEmpty());
        }
    }

    @Test
    void record_usageOfAnotherClient_countsInEveryWorkersWindow() {
        String d = deployment();
        try (RedisQuotaStore a = store(); RedisQuotaStore b = store()) {
            a.record(d, WINDOWS, Duration.ZERO, 700, 0).toCompletableFuture().join();

            assertThat(book(b, d, WINDOWS, 400).turns()).isEmpty();
            assertThat(book(b, d, WINDOWS, 300).turns()).hasSize(1);
        }
    }

    @Test
    void acquire_redisRestarted_reloadsItsScriptsAndGoesOn() {
        String d = deployment();
        try (RedisQuotaStore a = store()) {
            assertThat(book(a, d, WINDOWS, 10).turns()).hasSize(1);
            redis.restart();
            Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                    .until(() -> book(a, d, WINDOWS, 10).turns().size() == 1);
        }
    }

    @Test
    void commands_oneBooking_isOneCommandWhateverItHolds() {
        String d = deployment();
        try (RedisQuotaStore a = store()) {
            book(a, d, WINDOWS, 1);
            long before = a.commands();
            for (int i = 0; i < 4; i++) {
                book(a, d + i, WINDOWS, Collections.nCopies(4, 1L).stream().mapToLong(Long::longValue).toArray());
            }
            assertThat(a.commands() - before).isEqualTo(4);
        }
    }
}
