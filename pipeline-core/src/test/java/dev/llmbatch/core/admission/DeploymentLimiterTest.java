package dev.llmbatch.core.admission;

import static dev.llmbatch.core.admission.Deployments.config;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.time.FakeTicker;
import dev.llmbatch.core.time.Ticker;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DeploymentLimiterTest {
    private final FakeTicker ticker = new FakeTicker();

    /** TPM 60,000 with a 10% burst: capacity 6,000, refill 54,000 per 60 s = 900 tokens/s. */
    private DeploymentLimiter tokenLimiter() {
        return new DeploymentLimiter(config("swedencentral", 60_000, 60_000, 1), ticker, 0.1, 1, Duration.ZERO);
    }

    @Test
    void shapes_fromConfig_useSixtySecondTokenWindowAndTenSecondRequestWindowOfCeilRpmOverSix() {
        DeploymentLimiter l = new DeploymentLimiter(config("eastus", 450_000, 2_701, 1), ticker, 0.02, 1,
                Duration.ofMillis(250));

        assertThat(l.tokenShape()).isEqualTo(new BucketShape(9_000, 441_000, Duration.ofMillis(60_250)));
        // ceil(2701 / 6) = 451 requests per 10 s
        assertThat(l.requestShape()).isEqualTo(new BucketShape(10, 441, Duration.ofMillis(10_250)));
        assertThat(l.largestAdmissible()).isEqualTo(9_000);
        assertThat(l.id()).isEqualTo("eastus/gpt-4o-mini");
    }

    @Test
    void requestShape_rpmMultipleOfSix_isExactlyRpmOverSixPerTenSeconds() {
        DeploymentLimiter l = new DeploymentLimiter(config("eastus", 450_000, 2_700, 1), ticker, 0.02, 1,
                Duration.ZERO);

        assertThat(l.requestShape()).isEqualTo(new BucketShape(9, 441, Duration.ofSeconds(10)));
    }

    @Test
    void constructor_largestRequestAboveBurst_raisesCapacity() {
        DeploymentLimiter l = new DeploymentLimiter(config("eastus", 450_000, 2_700, 1), ticker, 0.02, 20_000,
                Duration.ofMillis(250));

        assertThat(l.largestAdmissible()).isEqualTo(20_000);
        assertThat(l.tryAcquire(20_000)).isTrue();
    }

    @Test
    void tryAcquire_withinCapacity_admitsUntilBucketIsEmpty() {
        DeploymentLimiter l = tokenLimiter();

        assertThat(l.tryAcquire(4_000)).isTrue();
        assertThat(l.tryAcquire(2_000)).isTrue();
        assertThat(l.tryAcquire(1)).isFalse();
    }

    @Test
    void tryAcquire_requestBucketDenies_refundsTheTokens() {
        // Tokens: capacity 3,000, refill 3,000 per 60 s = 50/s. Requests: ceil(6/6) = 1 per 10 s.
        DeploymentLimiter l = new DeploymentLimiter(config("eastus", 6_000, 6, 1), ticker, 0.5, 1, Duration.ZERO);
        assertThat(l.tryAcquire(100)).isTrue();

        for (int i = 0; i < 29; i++) {
            assertThat(l.tryAcquire(100)).as("request bucket is empty, attempt %d", i).isFalse();
        }
        ticker.advance(Duration.ofSeconds(10));

        // 2,900 left + 500 refilled (capped at 3,000): the 29 denied attempts must not have kept 2,900 tokens.
        assertThat(l.tryAcquire(2_900)).isTrue();
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
        assertThat(l.tryAcquire(1_000)).isTrue();
    }

    @Test
    void coolDown_dropsSavedUpBurst() {
        DeploymentLimiter l = tokenLimiter();

        l.coolDown(Duration.ofMillis(1));
        ticker.advance(Duration.ofMillis(1));

        assertThat(l.isCooling()).isFalse();
        // 1 ms of refill is ~0.9 tokens: the full bucket of 6,000 is gone.
        assertThat(l.tryAcquire(6_000)).isFalse();
        assertThat(l.tryAcquire(1)).isFalse();
        ticker.advance(Duration.ofSeconds(1));
        assertThat(l.tryAcquire(900)).isTrue();
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
        l.coolDown(Duration.ofSeconds(7));
        ticker.advance(Duration.ofSeconds(3));

        assertThat(l.isCooling()).isTrue();
        assertThat(l.coolingRemaining()).isEqualTo(Duration.ofSeconds(4));
    }

    @Test
    void coolDown_afterAnExpiredCooldown_startsAFreshOne() {
        DeploymentLimiter l = tokenLimiter();
        l.coolDown(Duration.ofSeconds(5));
        ticker.advance(Duration.ofSeconds(30));

        l.coolDown(Duration.ofSeconds(2));

        assertThat(l.isCooling()).isTrue();
        assertThat(l.coolingRemaining()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void nanosUntilAdmissible_freshBucket_isZero() {
        assertThat(tokenLimiter().nanosUntilAdmissible(6_000)).isZero();
    }

    /**
     * Regression: a Ticker's readings are only meaningful as differences (System.nanoTime may be negative), but
     * nanosUntilAdmissible compared them with the never-set cooldown deadline 0, so a fresh limiter on a negative
     * clock reported centuries to wait and RegionSelector would answer Wait(~forever) instead of the refill time.
     */
    @Test
    void nanosUntilAdmissible_negativeTickerReadingAndNeverCooled_isOnlyTheRefillTime() {
        FakeTicker fake = new FakeTicker();
        Ticker negative = () -> Long.MIN_VALUE / 2 + fake.nanos();
        DeploymentLimiter l = new DeploymentLimiter(config("eastus", 60_000, 60_000, 1), negative, 0.1, 1,
                Duration.ZERO);

        assertThat(l.isCooling()).isFalse();
        assertThat(l.nanosUntilAdmissible(1)).isZero();
        assertThat(l.tryAcquire(6_000)).isTrue();
        assertThat(l.nanosUntilAdmissible(900)).isBetween(Duration.ofMillis(999).toNanos(),
                Duration.ofMillis(1_001).toNanos());
        l.coolDown(Duration.ofSeconds(3));
        assertThat(l.nanosUntilAdmissible(1)).isEqualTo(Duration.ofSeconds(3).toNanos());
        fake.advance(Duration.ofSeconds(3));
        assertThat(l.tryAcquire(900)).isTrue();
    }

    @Test
    void nanosUntilAdmissible_cooling_isTheRemainingCooldown() {
        DeploymentLimiter l = tokenLimiter();

        l.coolDown(Duration.ofSeconds(3));

        // 1 token refills in ~1.1 ms, so the cooldown dominates.
        assertThat(l.nanosUntilAdmissible(1)).isEqualTo(Duration.ofSeconds(3).toNanos());
        ticker.advance(Duration.ofSeconds(2));
        assertThat(l.nanosUntilAdmissible(1)).isEqualTo(Duration.ofSeconds(1).toNanos());
    }

    @Test
    void nanosUntilAdmissible_emptyTokenBucket_isTheRefillTimeForTheCost() {
        DeploymentLimiter l = tokenLimiter();
        assertThat(l.tryAcquire(6_000)).isTrue();

        long nanos = l.nanosUntilAdmissible(1_800);

        // 1,800 tokens at 900 tokens/s
        assertThat(nanos).isBetween(Duration.ofMillis(1_999).toNanos(), Duration.ofMillis(2_001).toNanos());
        ticker.advance(Duration.ofNanos(nanos));
        assertThat(l.tryAcquire(1_800)).isTrue();
    }

    @Test
    void nanosUntilAdmissible_emptyRequestBucket_isTheRequestRefillTime() {
        // ceil(6/6) = 1 request per 10 s
        DeploymentLimiter l = new DeploymentLimiter(config("eastus", 60_000, 6, 1), ticker, 0.1, 1, Duration.ZERO);
        assertThat(l.tryAcquire(1)).isTrue();

        assertThat(l.nanosUntilAdmissible(1)).isBetween(Duration.ofMillis(9_999).toNanos(),
                Duration.ofMillis(10_001).toNanos());
        ticker.advance(Duration.ofMillis(9_990));
        assertThat(l.tryAcquire(1)).isFalse();
        ticker.advance(Duration.ofMillis(10));
        assertThat(l.tryAcquire(1)).isTrue();
    }

    @Test
    void tryAcquire_costAboveLargestAdmissible_isNeverAdmitted() {
        DeploymentLimiter l = tokenLimiter();
        long tooBig = l.largestAdmissible() + 1;

        assertThat(l.nanosUntilAdmissible(tooBig)).isEqualTo(Long.MAX_VALUE);
        for (int i = 0; i < 10; i++) {
            assertThat(l.tryAcquire(tooBig)).isFalse();
            ticker.advance(Duration.ofMinutes(10));
        }
        assertThat(l.nanosUntilAdmissible(tooBig)).isEqualTo(Long.MAX_VALUE);
        assertThat(l.tryAcquire(l.largestAdmissible())).isTrue();
    }

    @Test
    void observeRemaining_belowOurRoom_lowersIt() {
        DeploymentLimiter l = tokenLimiter();

        l.observeRemaining(1_500, -1);

        assertThat(l.tryAcquire(1_501)).isFalse();
        assertThat(l.tryAcquire(1_500)).isTrue();
    }

    @Test
    void observeRemaining_aboveOurRoom_neverRaisesIt() {
        DeploymentLimiter l = tokenLimiter();
        assertThat(l.tryAcquire(5_000)).isTrue();

        l.observeRemaining(450_000, 10_000);

        assertThat(l.tryAcquire(1_001)).isFalse();
        assertThat(l.tryAcquire(1_000)).isTrue();
    }

    @Test
    void observeRemaining_zeroRequestsLeft_blocksUntilRequestRefill() {
        // requests: ceil(60/6) = 10 per 10 s, capacity 5 (burst clamped to half), refill 5 per 10 s
        DeploymentLimiter l = new DeploymentLimiter(config("eastus", 60_000, 60, 1), ticker, 0.5, 1, Duration.ZERO);

        l.observeRemaining(-1, 0);

        assertThat(l.tryAcquire(1)).isFalse();
        assertThat(l.nanosUntilAdmissible(1)).isPositive();
        ticker.advance(Duration.ofSeconds(2));
        assertThat(l.tryAcquire(1)).isTrue();
    }

    @Test
    void observeRemaining_negativeValues_areIgnored() {
        DeploymentLimiter l = tokenLimiter();

        l.observeRemaining(-1, -1);

        assertThat(l.tryAcquire(6_000)).isTrue();
    }

    @Test
    void room_afterPartialUse_isTheFreeShareOfTheTighterBucket() {
        DeploymentLimiter l = tokenLimiter();
        assertThat(l.room()).isEqualTo(1.0);

        assertThat(l.tryAcquire(4_500)).isTrue();

        assertThat(l.room()).isEqualTo(0.25);
    }
}
