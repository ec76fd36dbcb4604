package dev.llmbatch.core.admission;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.admission.QuotaStore.Grant;
import dev.llmbatch.core.admission.QuotaStore.Windows;
import dev.llmbatch.core.time.FakeTicker;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class InMemoryQuotaStoreTest {
    private static final Windows WINDOWS = new Windows(1_000, 5, Duration.ofSeconds(60), Duration.ofSeconds(10),
            Duration.ofSeconds(60));
    private final FakeTicker ticker = new FakeTicker();
    private final InMemoryQuotaStore store = new InMemoryQuotaStore(ticker);

    private Grant acquire(String d, long reserve) {
        return store.acquire(d, WINDOWS, reserve, reserve / 2, reserve).toCompletableFuture().join();
    }

    @Test
    void acquire_fullTokenWindow_refusesUntilTheEarliestAdmissionLeavesIt() {
        assertThat(acquire("d", 600).granted()).isTrue();
        ticker.advance(Duration.ofSeconds(20));
        assertThat(acquire("d", 400).granted()).isTrue();

        Grant refused = acquire("d", 100);

        assertThat(refused.granted()).isFalse();
        assertThat(refused.waitNanos()).isEqualTo(Duration.ofSeconds(40).toNanos());
        assertThat(refused.usedTokens()).isEqualTo(1_000);
        ticker.advance(Duration.ofSeconds(40));
        assertThat(acquire("d", 600).granted()).isTrue();
    }

    @Test
    void acquire_fullRequestWindow_refusesForTheRequestWindow() {
        for (int i = 0; i < 5; i++) {
            assertThat(acquire("d", 1).granted()).isTrue();
        }
        Grant refused = acquire("d", 1);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.waitNanos()).isEqualTo(Duration.ofSeconds(10).toNanos());
    }

    @Test
    void record_cooldown_onlyLengthensAndRefusesEveryone() {
        store.record("d", WINDOWS, Duration.ofSeconds(8), 0, 0);
        store.record("d", WINDOWS, Duration.ofSeconds(1), 0, 0);

        Grant refused = acquire("d", 1);

        assertThat(refused.granted()).isFalse();
        assertThat(refused.coolingNanos()).isEqualTo(Duration.ofSeconds(8).toNanos());
        ticker.advance(Duration.ofSeconds(8));
        assertThat(acquire("d", 1).granted()).isTrue();
    }

    @Test
    void record_otherClientsUsage_countsInTheWindow() {
        store.record("d", WINDOWS, Duration.ZERO, 700, 0);

        assertThat(acquire("d", 400).granted()).isFalse();
        assertThat(acquire("d", 300).granted()).isTrue();
    }

    @Test
    void acquire_deploymentsAreSeparate_andByRuleSumsThePricedAdmissions() {
        assertThat(acquire("a", 1_000).granted()).isTrue();
        Grant b = acquire("b", 600);

        assertThat(b.granted()).isTrue();
        assertThat(b.byRule()).containsExactly(300, 600, 600);
        assertThat(store.commands()).isEqualTo(2);
    }
}
