package dev.llmbatch.core.latency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbatch.core.config.HedgingSettings;
import dev.llmbatch.core.time.FakeTicker;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class HedgeBudgetTest {
    private final FakeTicker ticker = new FakeTicker();
    private final HedgeBudget budget = HedgeBudget.of(HedgingSettings.DEFAULTS, ticker);

    @Test
    void tryReserve_nothingAdmitted_refuses() {
        assertThat(budget.tryReserve(1)).isFalse();
        assertThat(budget.tryReserve(0)).isFalse();
    }

    @Test
    void tryReserve_upToTheShare_admitsThenRefuses() {
        budget.recordAdmitted(100_000);

        assertThat(budget.tryReserve(2_000)).isTrue();
        assertThat(budget.tryReserve(1_000)).as("exactly 3%").isTrue();
        assertThat(budget.tryReserve(1)).as("above 3%").isFalse();
        assertThat(budget.hedgeTokens()).isEqualTo(3_000);
        assertThat(budget.extraShare()).isEqualTo(0.03);
    }

    @Test
    void tryReserve_refused_countsNothing() {
        budget.recordAdmitted(10_000);
        assertThat(budget.tryReserve(400)).isFalse();
        assertThat(budget.hedgeTokens()).isZero();
        assertThat(budget.tryReserve(300)).isTrue();
    }

    @Test
    void refund_hedgeNotSent_givesTheTokensBack() {
        budget.recordAdmitted(100_000);
        assertThat(budget.tryReserve(3_000)).isTrue();
        budget.refund(3_000);
        assertThat(budget.hedgeTokens()).isZero();
        assertThat(budget.tryReserve(3_000)).isTrue();
    }

    @Test
    void window_slides_oldAdmissionsAndHedgesLeaveIt() {
        budget.recordAdmitted(100_000);
        assertThat(budget.tryReserve(3_000)).isTrue();
        ticker.advance(Duration.ofSeconds(30));
        budget.recordAdmitted(100_000);
        assertThat(budget.tryReserve(3_000)).isTrue();
        assertThat(budget.tryReserve(1)).isFalse();

        ticker.advance(Duration.ofSeconds(31));

        // the first 100,000 and 3,000 have left the window
        assertThat(budget.admittedTokens()).isEqualTo(100_000);
        assertThat(budget.hedgeTokens()).isEqualTo(3_000);
        assertThat(budget.tryReserve(1)).isFalse();
        ticker.advance(Duration.ofSeconds(30));
        assertThat(budget.admittedTokens()).isZero();
        assertThat(budget.hedgeTokens()).isZero();
        assertThat(budget.tryReserve(1)).isFalse();
    }

    @Test
    void window_longIdle_clearsEverything() {
        budget.recordAdmitted(50_000);
        ticker.advance(Duration.ofHours(5));
        assertThat(budget.admittedTokens()).isZero();
        budget.recordAdmitted(1_000);
        assertThat(budget.tryReserve(30)).isTrue();
        assertThat(budget.tryReserve(1)).isFalse();
    }

    @Test
    void constructor_shareOutOfRange_throws() {
        assertThatThrownBy(() -> new HedgeBudget(1.5, Duration.ofSeconds(60), ticker))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HedgeBudget(0.03, Duration.ofMillis(10), ticker))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
