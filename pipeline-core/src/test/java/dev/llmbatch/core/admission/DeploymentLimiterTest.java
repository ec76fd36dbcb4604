package dev.llmbatch.core.admission;

import static dev.llmbatch.core.admission.Deployments.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.llmbatch.core.estimate.PromptRule;
import dev.llmbatch.core.time.FakeTicker;
import dev.llmbatch.core.time.Ticker;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DeploymentLimiterTest {
    private final FakeTicker ticker = new FakeTicker();

    /** TPM 6,000 (any request up to that), RPM 60,000: 10,000 requests per 10 s; no margin. */
    private DeploymentLimiter tokenLimiter() {
        return new DeploymentLimiter(config("swedencentral", 6_000, 60_000, 1), ticker, Long.MAX_VALUE,
                Duration.ZERO);
    }

    @Test
    void limits_fromConfig_areTpmPerMinuteAndCeilRpmOverSixPerTenSeconds() {
        DeploymentLimiter l = new DeploymentLimiter(config("eastus", 450_000, 2_701, 1), ticker, 8_192,
                Duration.ofMillis(250));

        assertThat(l.tokenLimit()).isEqualTo(450_000);
        assertThat(l.requestLimit()).isEqualTo(451);
        assertThat(l.largestAdmissible()).isEqualTo(8_192);
        assertThat(l.id()).isEqualTo("eastus/gpt-4o-mini");
    }

    @Test
    void tryAcquire_fleetPaced_letsThroughAllTheWindowsHoldWithoutThePacersBurst() {
        // 1,000-token largest request, burst 2% of 60,000: the pacer alone lets one request through at once.
        DeploymentLimiter l = new DeploymentLimiter(config("eastus", 60_000, 60_000, 1), ticker, 1_000,
                Duration.ZERO, 64, CircuitBreaker.disabled(), 0.02);
        assertThat(l.tokenBurst()).isEqualTo(1_200);
        assertThat(l.tryAcquire(1_000)).isTrue();
        assertThat(l.tryAcquire(1_000)).as("paced here").isFalse();

        l.setFleetPaced(true);
        for (int i = 0; i < 59; i++) {
            assertThat(l.tryAcquire(1_000)).as("request %d: only the window binds", i).isTrue();
        }
        assertThat(l.tryAcquire(1_000)).as("the whole TPM is admitted").isFalse();
        assertThat(l.nanosUntilAdmissible(1_000)).isEqualTo(Duration.ofSeconds(60).toNanos());

        l.setFleetPaced(false);
        ticker.advance(Duration.ofSeconds(60));
        DeploymentLimiter.Admission a = l.tryAcquire(RequestCost.flat(1_000));
        assertThat(a).isNotNull();
        assertThat(a.paced()).isTrue();
        l.cancel(a);
        assertThat(l.tryAcquire(1_000)).as("a cancelled paced admission gives its pacer tokens back").isTrue();
    }

    @Test
    void misconfigure_admitsOneProbePerIntervalUntilAnAnswer() {
        DeploymentLimiter l = tokenLimiter();
        l.setProbeInterval(Duration.ofSeconds(30));

        assertThat(l.misconfigure("DeploymentNotFound")).as("a state change").isTrue();
        assertThat(l.misconfigure("DeploymentNotFound")).as("no second log").isFalse();
        assertThat(l.tryAcquire(10)).isFalse();
        assertThat(l.room()).as("sorted last while no probe is due").isZero();
        assertThat(l.nanosUntilAdmissible(10)).isEqualTo(Duration.ofSeconds(30).toNanos());

        ticker.advance(Duration.ofSeconds(30));
        assertThat(l.room()).as("a due probe goes first").isEqualTo(1.0);
        assertThat(l.tryAcquire(10)).as("the probe").isTrue();
        assertThat(l.tryAcquire(10)).as("one probe at a time").isFalse();

        assertThat(l.answered()).isTrue();
        assertThat(l.misconfiguredCode()).isNull();
        assertThat(l.tryAcquire(10)).isTrue();
        assertThat(l.answered()).isFalse();
    }

    @Test
    void probeSoon_afterACredentialRefresh_probesAtOnce() {
        DeploymentLimiter l = tokenLimiter();
        l.misconfigure("unauthorized");

        l.probeSoon();

        assertThat(l.tryAcquire(10)).isTrue();
    }

    @Test
    void largestAdmissible_largestRequestAboveTpm_isTheTpm() {
        DeploymentLimiter l = new DeploymentLimiter(config("eastus", 5_000, 60, 1), ticker, 8_192, Duration.ZERO);

        assertThat(l.largestAdmissible()).isEqualTo(5_000);
        assertThat(l.tryAcquire(5_000)).isTrue();
    }

    @Test
    void tryAcquire_wholeTpmInOneBurst_admitsItAllThenNothingUntilItLeavesTheWindow() {
        DeploymentLimiter l = tokenLimiter();

        assertThat(l.tryAcquire(4_000)).isTrue();
        assertThat(l.tryAcquire(2_000)).isTrue();
        assertThat(l.tryAcquire(1)).isFalse();
        ticker.advance(Duration.ofMillis(59_999));
        assertThat(l.tryAcquire(1)).isFalse();
        ticker.advance(Duration.ofMillis(1));
        assertThat(l.tryAcquire(6_000)).isTrue();
    }

    @Test
    void tryAcquire_smallDeploymentTenRequestsPerWindow_admitsExactlyTenPerWindowPlusMargin() {
        // Regression: a token bucket admitted (10 - 1) per 10.25 s against a 60-RPM deployment (88%).
        DeploymentLimiter l = new DeploymentLimiter(config("eastus", 1_000_000, 60, 1), ticker, 8_192,
                Duration.ofMillis(250));
        int admitted = 0;
        for (int step = 0; step < 10_250 * 6; step++) {
            while (l.tryAcquire(10)) {
                admitted++;
            }
            ticker.advance(Duration.ofMillis(1));
        }

        // 61.5 s = six windows of 10.25 s: 60 requests, 0.976 of the 61.5 RPM-seconds' worth.
        assertThat(admitted).isEqualTo(60);
    }

    @Test
    void tryAcquire_requestWindowDenies_reservesNoTokens() {
        DeploymentLimiter l = new DeploymentLimiter(config("eastus", 6_000, 6, 1), ticker, 6_000, Duration.ZERO);
        assertThat(l.tryAcquire(100)).isTrue();

        for (int i = 0; i < 29; i++) {
            assertThat(l.tryAcquire(100)).as("request window is full, attempt %d", i).isFalse();
        }
        ticker.advance(Duration.ofSeconds(10));

        assertThat(l.tryAcquire(5_900)).isTrue();
    }

    @Test
    void coolDown_active_blocksAdmissionUntilItPassesThenAdmits() {
        DeploymentLimiter l = tokenLimiter();

        l.coolDown(Duration.ofSeconds(5));

        assertThat(l.isCooling()).isTrue();
        assertThat(l.tryAcquire(1)).isFalse();
        assertThat(l.coolingRemaining()).isEqualTo(Duration.ofSeconds(5));
        ticker.advance(Duration.ofMillis(4_999));
        assertThat(l.isCooling()).isTrue();
        assertThat(l.tryAcquire(1)).isFalse();
        assertThat(l.coolingRemaining()).isEqualTo(Duration.ofMillis(1));
        ticker.advance(Duration.ofMillis(1));
        assertThat(l.isCooling()).isFalse();
        assertThat(l.coolingRemaining()).isEqualTo(Duration.ZERO);
        // The pacer lost what it had saved up: 5 s of refill at 6,000 per minute is 500 tokens.
        assertThat(l.tryAcquire(501)).isFalse();
        assertThat(l.tryAcquire(500)).isTrue();
    }

    @Test
    void tryAcquire_afterTheFirstBurst_pacesAdmissionsAtTheLimitsRate() {
        DeploymentLimiter l = new DeploymentLimiter(config("eastus", 600_000, 600_000, 1), ticker, 1_000,
                Duration.ofMillis(250));
        // Burst: 2% of 600,000 = 12,000 tokens at once; then 10,000 tokens per second.
        for (int i = 0; i < 12; i++) {
            assertThat(l.tryAcquire(1_000)).isTrue();
        }
        assertThat(l.tryAcquire(1_000)).isFalse();
        assertThat(l.nanosUntilAdmissible(1_000)).isEqualTo(Duration.ofMillis(100).toNanos());
        ticker.advance(Duration.ofMillis(100));
        assertThat(l.tryAcquire(1_000)).isTrue();
    }

    @Test
    void coolDown_shorterWhileCooling_doesNotShortenTheLongerOne() {
        DeploymentLimiter l = tokenLimiter();

        l.coolDown(Duration.ofSeconds(10));
        ticker.advance(Duration.ofSeconds(1));
        l.coolDown(Duration.ofSeconds(1));
        ticker.advance(Duration.ofSeconds(5));

        assertThat(l.isCooling()).isTrue();
        assertThat(l.coolingRemaining()).isEqualTo(Duration.ofSeconds(4));
    }

    @Test
    void coolDown_longerWhileCooling_extendsIt() {
        DeploymentLimiter l = tokenLimiter();

        l.coolDown(Duration.ofSeconds(2));
        l.coolDown(Duration.ofSeconds(8));

        assertThat(l.coolingRemaining()).isEqualTo(Duration.ofSeconds(8));
    }

    @Test
    void coolDown_afterAnExpiredCooldown_startsAFreshOne() {
        DeploymentLimiter l = tokenLimiter();
        l.coolDown(Duration.ofSeconds(10));
        ticker.advance(Duration.ofSeconds(11));

        l.coolDown(Duration.ofSeconds(3));

        assertThat(l.coolingRemaining()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void nanosUntilAdmissible_freshWindow_isZero() {
        assertThat(tokenLimiter().nanosUntilAdmissible(6_000)).isZero();
    }

    @Test
    void nanosUntilAdmissible_negativeTickerReadingAndNeverCooled_isOnlyTheWindowTime() {
        // Regression: a deadline of 0 compared with negative ticker readings looked like a cooldown.
        Ticker negative = () -> ticker.nanos() - Duration.ofDays(1).toNanos();
        DeploymentLimiter l = new DeploymentLimiter(config("eastus", 6_000, 60_000, 1), negative, 6_000,
                Duration.ZERO);

        assertThat(l.nanosUntilAdmissible(100)).isZero();
        assertThat(l.tryAcquire(6_000)).isTrue();
        assertThat(l.nanosUntilAdmissible(100)).isEqualTo(Duration.ofSeconds(60).toNanos());
    }

    @Test
    void nanosUntilAdmissible_cooling_isTheRemainingCooldown() {
        DeploymentLimiter l = tokenLimiter();
        l.coolDown(Duration.ofSeconds(7));
        ticker.advance(Duration.ofSeconds(2));

        assertThat(l.nanosUntilAdmissible(100)).isEqualTo(Duration.ofSeconds(5).toNanos());
    }

    @Test
    void nanosUntilAdmissible_fullTokenWindow_isWhenEnoughEarlierAdmissionsLeaveIt() {
        DeploymentLimiter l = tokenLimiter();
        assertThat(l.tryAcquire(1_000)).isTrue();
        ticker.advance(Duration.ofSeconds(10));
        assertThat(l.tryAcquire(2_000)).isTrue();
        ticker.advance(Duration.ofSeconds(10));
        assertThat(l.tryAcquire(3_000)).isTrue();

        // 2,500 needs the first two admissions gone: the second leaves at 70 s, 50 s from now.
        assertThat(l.nanosUntilAdmissible(500)).isEqualTo(Duration.ofSeconds(40).toNanos());
        assertThat(l.nanosUntilAdmissible(2_500)).isEqualTo(Duration.ofSeconds(50).toNanos());
    }

    @Test
    void nanosUntilAdmissible_fullRequestWindow_isWhenTheOldestRequestLeavesIt() {
        DeploymentLimiter l = new DeploymentLimiter(config("eastus", 60_000, 6, 1), ticker, 60_000, Duration.ZERO);
        assertThat(l.tryAcquire(1)).isTrue();
        ticker.advance(Duration.ofSeconds(3));

        assertThat(l.nanosUntilAdmissible(1)).isEqualTo(Duration.ofSeconds(7).toNanos());
    }

    @Test
    void tryAcquire_costAboveLargestAdmissible_isNeverAdmitted() {
        DeploymentLimiter l = new DeploymentLimiter(config("eastus", 60_000, 60_000, 1), ticker, 5_000,
                Duration.ZERO);

        assertThat(l.tryAcquire(5_001)).isFalse();
        assertThat(l.nanosUntilAdmissible(5_001)).isEqualTo(Long.MAX_VALUE);
        assertThat(l.tryAcquire(5_000)).isTrue();
    }

    @Test
    void observeRemaining_serviceHasLessRoomThanPredicted_recordsTheShortfallOnce() {
        DeploymentLimiter l = tokenLimiter();
        DeploymentLimiter.Admission first = l.tryAcquire(RequestCost.flat(1_000));
        DeploymentLimiter.Admission second = l.tryAcquire(RequestCost.flat(1_000));

        // Another client used 2,000: both answers report it; it must be counted once.
        l.observeRemaining(5_000 - 2_000, -1, first);
        l.observeRemaining(4_000 - 2_000, -1, second);

        assertThat(l.tokensAvailable()).isEqualTo(2_000);
    }

    @Test
    void observeRemaining_shortfall_expiresWithTheAdmissionItWasSeenAt() {
        DeploymentLimiter l = tokenLimiter();
        DeploymentLimiter.Admission a = l.tryAcquire(RequestCost.flat(1_000));
        ticker.advance(Duration.ofSeconds(30));
        l.observeRemaining(3_000, -1, a);
        assertThat(l.tokensAvailable()).isEqualTo(3_000);

        ticker.advance(Duration.ofSeconds(30));

        assertThat(l.tokensAvailable()).isEqualTo(6_000);
    }

    @Test
    void observeRemaining_serviceHasMoreRoom_neverRaisesOurs() {
        DeploymentLimiter l = tokenLimiter();
        DeploymentLimiter.Admission a = l.tryAcquire(RequestCost.flat(4_000));

        l.observeRemaining(6_000, 10_000, a);

        assertThat(l.tokensAvailable()).isEqualTo(2_000);
    }

    @Test
    void observeRemaining_zeroRequestsLeft_blocksUntilTheRequestWindowMoves() {
        DeploymentLimiter l = new DeploymentLimiter(config("eastus", 60_000, 60, 1), ticker, 60_000,
                Duration.ZERO);
        DeploymentLimiter.Admission a = l.tryAcquire(RequestCost.flat(10));

        l.observeRemaining(-1, 0, a);

        assertThat(l.tryAcquire(10)).isFalse();
        ticker.advance(Duration.ofSeconds(10));
        assertThat(l.tryAcquire(10)).isTrue();
    }

    @Test
    void observeRemaining_negativeValues_areIgnored() {
        DeploymentLimiter l = tokenLimiter();
        DeploymentLimiter.Admission a = l.tryAcquire(RequestCost.flat(1_000));

        assertThat(l.observeRemaining(-1, -1, a)).isNull();

        assertThat(l.tokensAvailable()).isEqualTo(5_000);
    }

    @Test
    void tryAcquire_predictsRemainingUnderEveryPromptRule() {
        DeploymentLimiter l = tokenLimiter();
        // Japanese prompt: 30 by the character rule, 81 by the tokenizer; max_tokens 20.
        l.tryAcquire(RequestCost.of(PromptRule.CHARS, 81, 30, 20));
        DeploymentLimiter.Admission a = l.tryAcquire(RequestCost.of(PromptRule.CHARS, 81, 30, 20));

        assertThat(a.predicted(PromptRule.CHARS)).isEqualTo(6_000 - 2 * 50);
        assertThat(a.predicted(PromptRule.TOKENS)).isEqualTo(6_000 - 2 * 101);
        assertThat(a.predicted(PromptRule.MAX)).isEqualTo(6_000 - 2 * 101);
        assertThat(a.predictedTokens()).isEqualTo(6_000 - 2 * 50);
    }

    @Test
    void room_afterPartialUse_isTheFreeShareOfTheTighterWindow() {
        DeploymentLimiter l = new DeploymentLimiter(config("eastus", 6_000, 60, 1), ticker, 6_000, Duration.ZERO);
        assertThat(l.tryAcquire(1_500)).isTrue();

        // tokens 4,500 / 6,000 = 0.75; requests 9 / 10 = 0.9
        assertThat(l.room()).isCloseTo(0.75, within(1e-9));
        for (int i = 0; i < 4; i++) {
            ticker.advance(Duration.ofSeconds(1)); // paced: one request per second
            assertThat(l.tryAcquire(1)).isTrue();
        }
        assertThat(l.room()).isCloseTo(0.5, within(1e-9));
    }
}
