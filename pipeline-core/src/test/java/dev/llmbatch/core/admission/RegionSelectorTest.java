package dev.llmbatch.core.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbatch.core.admission.RegionSelector.Selection;
import dev.llmbatch.core.time.FakeTicker;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RegionSelectorTest {
    private final FakeTicker ticker = new FakeTicker();

    /** TPM 6,000 (any request up to that); requests are plentiful (RPM 60,000: 10,000 per 10 s). */
    private DeploymentLimiter limiter(String region, int priority) {
        return Deployments.limiter(region, 6_000, 60_000, priority, ticker, Duration.ZERO);
    }

    private static String admittedId(Selection s) {
        assertThat(s).isInstanceOf(Selection.Admitted.class);
        return ((Selection.Admitted) s).deployment().id();
    }

    @Test
    void select_twoTiers_prefersTheLowestPriorityNumberEvenWithLessRoom() {
        DeploymentLimiter backup = limiter("eastus", 2);
        DeploymentLimiter primary = limiter("swedencentral", 1);
        assertThat(primary.tryAcquire(5_000)).isTrue();

        Selection s = new RegionSelector(List.of(backup, primary)).select(500, Set.of());

        assertThat(admittedId(s)).isEqualTo("swedencentral/gpt-4o-mini");
    }

    @Test
    void select_lowestTierFull_spillsToNextTier() {
        DeploymentLimiter backup = limiter("eastus", 2);
        DeploymentLimiter primary = limiter("swedencentral", 1);
        assertThat(primary.tryAcquire(5_800)).isTrue();

        Selection s = new RegionSelector(List.of(primary, backup)).select(500, Set.of());

        assertThat(admittedId(s)).isEqualTo("eastus/gpt-4o-mini");
    }

    @Test
    void select_sameTier_choosesTheDeploymentWithMostRoomAndReservesThere() {
        DeploymentLimiter a = limiter("swedencentral", 1);
        DeploymentLimiter b = limiter("francecentral", 1);
        DeploymentLimiter c = limiter("eastus", 1);
        assertThat(a.tryAcquire(3_000)).isTrue();
        assertThat(c.tryAcquire(1_000)).isTrue();
        RegionSelector selector = new RegionSelector(List.of(a, b, c));

        assertThat(admittedId(selector.select(2_000, Set.of()))).isEqualTo("francecentral/gpt-4o-mini");
        // b now has 4,000 left, c 5,000: c is the roomiest.
        assertThat(admittedId(selector.select(2_000, Set.of()))).isEqualTo("eastus/gpt-4o-mini");
        assertThat(b.room()).isCloseTo(4_000 / 6_000.0, org.assertj.core.api.Assertions.within(1e-9));
    }

    @Test
    void select_roomiestDeploymentCooling_skipsIt() {
        DeploymentLimiter a = limiter("swedencentral", 1);
        DeploymentLimiter b = limiter("eastus", 1);
        assertThat(b.tryAcquire(3_000)).isTrue();
        a.coolDown(Duration.ofSeconds(30));
        ticker.advance(Duration.ofSeconds(10));

        Selection s = new RegionSelector(List.of(a, b)).select(100, Set.of());

        assertThat(admittedId(s)).isEqualTo("eastus/gpt-4o-mini");
    }

    @Test
    void select_avoidedDeploymentAndAnotherHasRoom_usesTheOther() {
        DeploymentLimiter a = limiter("swedencentral", 1);
        DeploymentLimiter b = limiter("eastus", 1);
        assertThat(b.tryAcquire(3_000)).isTrue();

        Selection s = new RegionSelector(List.of(a, b)).select(100, Set.of(a.id()));

        assertThat(admittedId(s)).isEqualTo("eastus/gpt-4o-mini");
    }

    @Test
    void select_avoidedDeploymentInLowerTierAndOtherTierHasRoom_usesTheOtherTier() {
        DeploymentLimiter primary = limiter("swedencentral", 1);
        DeploymentLimiter backup = limiter("eastus", 2);

        Selection s = new RegionSelector(List.of(primary, backup)).select(100, Set.of(primary.id()));

        assertThat(admittedId(s)).isEqualTo("eastus/gpt-4o-mini");
    }

    @Test
    void select_onlyTheAvoidedDeploymentCanAdmitForLongerThanThePatience_ignoresAvoid() {
        DeploymentLimiter a = limiter("swedencentral", 1);
        DeploymentLimiter b = limiter("eastus", 1);
        b.coolDown(RegionSelector.DEFAULT_PATIENCE.plusSeconds(30));

        Selection s = new RegionSelector(List.of(a, b)).select(100, Set.of(a.id()));

        assertThat(admittedId(s)).isEqualTo("swedencentral/gpt-4o-mini");
    }

    @Test
    void retryAfter500_otherRegionsBucketsEmptyForAMoment_waitsForThemInsteadOfReturningToTheFailedRegion() {
        // Regression: with every quota binding, a retry went straight back to the region that had just failed it.
        DeploymentLimiter a = limiter("swedencentral", 1);
        DeploymentLimiter b = limiter("eastus", 1);
        assertThat(b.tryAcquire(3_000)).isTrue();
        ticker.advance(Duration.ofMillis(59_900));
        assertThat(b.tryAcquire(3_000)).isTrue();

        Selection s = new RegionSelector(List.of(a, b)).select(100, Set.of(a.id()));

        assertThat(s).isInstanceOf(Selection.Wait.class);
        assertThat(((Selection.Wait) s).nanos()).isPositive()
                .isLessThanOrEqualTo(RegionSelector.DEFAULT_PATIENCE.toNanos());
        assertThat(a.room()).as("nothing reserved on the avoided region").isEqualTo(1.0);
    }

    @Test
    void select_otherRegionCoolingWithinPatience_waitsForIt() {
        DeploymentLimiter a = limiter("swedencentral", 1);
        DeploymentLimiter b = limiter("eastus", 1);
        b.coolDown(Duration.ofSeconds(5));

        Selection s = new RegionSelector(List.of(a, b)).select(100, Set.of(a.id()));

        assertThat(s).isInstanceOf(Selection.Wait.class);
    }

    @Test
    void hungRegionHoldsAllCallSlots_selectionSkipsItWithoutCountingAFailure() {
        // Regression: calls beyond the HTTP pool queued for a connection and timed out as failures of the region.
        DeploymentLimiter hung = new DeploymentLimiter(Deployments.config("eastus", 450_000, 2_700, 1), ticker,
                1_000, Duration.ZERO, 2, CircuitBreaker.disabled());
        DeploymentLimiter ok = new DeploymentLimiter(Deployments.config("swedencentral", 450_000, 2_700, 1), ticker,
                1_000, Duration.ZERO, 2, CircuitBreaker.disabled());
        assertThat(hung.tryAcquire(10)).isTrue();
        assertThat(hung.tryAcquire(10)).isTrue();
        assertThat(hung.atConcurrencyLimit()).isTrue();
        RegionSelector selector = new RegionSelector(List.of(hung, ok));

        assertThat(admittedId(selector.select(10, Set.of()))).isEqualTo("swedencentral/gpt-4o-mini");
        assertThat(admittedId(selector.select(10, Set.of()))).isEqualTo("swedencentral/gpt-4o-mini");
        assertThat(selector.select(10, Set.of())).isInstanceOf(Selection.Busy.class);
        ok.release();
        assertThat(admittedId(selector.select(10, Set.of()))).isEqualTo("swedencentral/gpt-4o-mini");
    }

    @Test
    void select_equalRoom_rotatesAmongRegions() {
        DeploymentLimiter a = new DeploymentLimiter(Deployments.config("swedencentral", 4_500_000, 270_000, 1),
                ticker, 1, Duration.ZERO);
        DeploymentLimiter b = new DeploymentLimiter(Deployments.config("eastus", 4_500_000, 270_000, 1), ticker,
                1, Duration.ZERO);
        RegionSelector selector = new RegionSelector(List.of(a, b));
        java.util.Map<String, Integer> counts = new java.util.HashMap<>();
        for (int i = 0; i < 20; i++) {
            a.observeRemaining(-1, -1);
            counts.merge(admittedId(selector.select(1, Set.of())), 1, Integer::sum);
        }
        assertThat(counts).hasSize(2);
    }

    @Test
    void select_allCooling_waitsForTheShortestCooldown() {
        DeploymentLimiter a = limiter("swedencentral", 1);
        DeploymentLimiter b = limiter("eastus", 2);
        DeploymentLimiter c = limiter("westus", 1);
        a.coolDown(Duration.ofSeconds(7));
        b.coolDown(Duration.ofSeconds(3));
        c.coolDown(Duration.ofSeconds(20));
        RegionSelector selector = new RegionSelector(List.of(a, b, c));

        Selection s = selector.select(100, Set.of());

        assertThat(s).isEqualTo(new Selection.Wait(Duration.ofSeconds(3).toNanos()));
        assertThat(a.room()).isZero();
        ticker.advance(Duration.ofSeconds(3));
        assertThat(admittedId(selector.select(100, Set.of()))).isEqualTo("eastus/gpt-4o-mini");
    }

    @Test
    void select_allWindowsFull_waitsUntilTheEarliestAdmissionLeavesItsWindow() {
        DeploymentLimiter a = limiter("swedencentral", 1);
        DeploymentLimiter b = limiter("eastus", 1);
        assertThat(a.tryAcquire(6_000)).isTrue();
        ticker.advance(Duration.ofSeconds(10));
        assertThat(b.tryAcquire(5_100)).isTrue();

        Selection s = new RegionSelector(List.of(a, b)).select(1_800, Set.of());

        // a's 6,000 leave its window 60 s after they were admitted, 50 s from now; b's only in 60 s.
        assertThat(s).isEqualTo(new Selection.Wait(Duration.ofSeconds(50).toNanos()));
    }

    @Test
    void select_costAboveEveryDeployment_isNever() {
        DeploymentLimiter a = limiter("swedencentral", 1);
        DeploymentLimiter b = new DeploymentLimiter(Deployments.config("eastus", 200_000, 1_200, 2), ticker, 20_000,
                Duration.ZERO);
        RegionSelector selector = new RegionSelector(List.of(a, b));

        assertThat(selector.largestAdmissible()).isEqualTo(20_000);
        assertThat(selector.select(20_001, Set.of())).isEqualTo(new Selection.Never());
        assertThat(admittedId(selector.select(20_000, Set.of()))).isEqualTo("eastus/gpt-4o-mini");
    }

    @Test
    void select_costAboveSomeDeployments_waitsForTheOneThatCanTakeIt() {
        DeploymentLimiter small = limiter("swedencentral", 1);
        DeploymentLimiter big = new DeploymentLimiter(Deployments.config("eastus", 200_000, 1_200, 2), ticker,
                20_000, Duration.ZERO);
        big.coolDown(Duration.ofSeconds(4));

        Selection s = new RegionSelector(List.of(small, big)).select(10_000, Set.of());

        assertThat(s).isInstanceOf(Selection.Wait.class);
        // 4 s of cooldown; the small deployment can never take 10,000 tokens.
        assertThat(((Selection.Wait) s).nanos()).isEqualTo(Duration.ofSeconds(4).toNanos());
    }

    @Test
    void constructor_noDeployments_throws() {
        assertThatThrownBy(() -> new RegionSelector(List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
