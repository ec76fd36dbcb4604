package dev.llmbatch.core.admission;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.admission.CircuitBreaker.State;
import dev.llmbatch.core.admission.RegionSelector.Selection;
import dev.llmbatch.core.config.WorkerSettings.BreakerSettings;
import dev.llmbatch.core.outcome.CallOutcome;
import dev.llmbatch.core.time.FakeTicker;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** How {@link RegionSelector} treats deployments whose {@link CircuitBreaker} is open or half-open. */
class RegionSelectorBreakerTest {
    private static final BreakerSettings SETTINGS = new BreakerSettings(true, 0.5, 2, Duration.ofSeconds(10),
            Duration.ofSeconds(5), Duration.ofSeconds(60));
    private static final CallOutcome E500 = new CallOutcome.Retriable(500, "InternalServerError", "HTTP 500");
    private static final CallOutcome OK = new CallOutcome.Success("x", "stop", 10, 1, -1, -1);

    private final FakeTicker ticker = new FakeTicker();

    /** TPM 6,000; requests are plentiful. */
    private DeploymentLimiter limiter(String region) {
        return new DeploymentLimiter(Deployments.config(region, 6_000, 60_000, 1), ticker, 6_000, Duration.ZERO,
                Integer.MAX_VALUE, new CircuitBreaker(SETTINGS, ticker, CircuitBreaker.Listener.NONE));
    }

    private static void open(DeploymentLimiter l) {
        CircuitBreaker b = l.breaker();
        b.onResult(b.tryAcquire(), E500);
        b.onResult(b.tryAcquire(), E500);
        assertThat(b.state()).isEqualTo(State.OPEN);
    }

    private static Selection.Admitted admitted(Selection s) {
        assertThat(s).isInstanceOf(Selection.Admitted.class);
        return (Selection.Admitted) s;
    }

    @Test
    void select_roomiestDeploymentOpen_usesAnother() {
        DeploymentLimiter a = limiter("swedencentral");
        DeploymentLimiter b = limiter("eastus");
        assertThat(b.tryAcquire(3_000)).isTrue();
        open(a);
        RegionSelector selector = new RegionSelector(List.of(a, b));

        for (int i = 0; i < 3; i++) {
            Selection.Admitted s = admitted(selector.select(100, Set.of()));
            assertThat(s.deployment()).isSameAs(b);
            assertThat(s.permit().probe()).isFalse();
        }
    }

    @Test
    void select_everyDeploymentOpen_waitsForTheFirstOpenPeriodToEnd() {
        DeploymentLimiter a = limiter("swedencentral");
        DeploymentLimiter b = limiter("eastus");
        open(a);
        ticker.advance(Duration.ofSeconds(2));
        open(b);
        RegionSelector selector = new RegionSelector(List.of(a, b));

        Selection s = selector.select(100, Set.of());

        assertThat(s).isEqualTo(new Selection.Wait(Duration.ofSeconds(3).toNanos()));
        assertThat(selector.select(100, Set.of(a.id(), b.id())))
                .as("with both avoided too: a wait, never a failure")
                .isEqualTo(new Selection.Wait(Duration.ofSeconds(3).toNanos()));
    }

    @Test
    void select_openAndQuotaBound_waitsForTheLaterOfTheTwo() {
        DeploymentLimiter a = limiter("swedencentral");
        assertThat(a.tryAcquire(6_000)).isTrue(); // full until it leaves the 60 s window
        open(a);

        Selection s = new RegionSelector(List.of(a)).select(100, Set.of());

        assertThat(s).isEqualTo(new Selection.Wait(Duration.ofSeconds(60).toNanos()));
        ticker.advance(Duration.ofSeconds(58));
        assertThat(new RegionSelector(List.of(a)).select(100, Set.of()))
                .isEqualTo(new Selection.Wait(Duration.ofSeconds(2).toNanos()));
    }

    @Test
    void select_halfOpen_admitsOneProbeThenLooksElsewhere() {
        DeploymentLimiter a = limiter("swedencentral");
        DeploymentLimiter b = limiter("eastus");
        open(a);
        ticker.advance(Duration.ofSeconds(5));
        assertThat(b.tryAcquire(3_000)).isTrue(); // b refilled meanwhile; a stays the roomier one
        RegionSelector selector = new RegionSelector(List.of(a, b));

        Selection.Admitted probe = admitted(selector.select(100, Set.of()));
        Selection.Admitted next = admitted(selector.select(100, Set.of()));

        assertThat(probe.deployment()).isSameAs(a);
        assertThat(probe.permit().probe()).isTrue();
        assertThat(next.deployment()).as("the roomier region, while its probe is out").isSameAs(b);
        a.release();
        a.breaker().onResult(probe.permit(), OK);
        assertThat(admitted(selector.select(100, Set.of())).deployment()).as("closed again, and roomiest")
                .isSameAs(a);
    }

    @Test
    void select_onlyDeploymentHalfOpenWithItsProbeOut_isBusy() {
        DeploymentLimiter a = limiter("swedencentral");
        open(a);
        ticker.advance(Duration.ofSeconds(5));
        RegionSelector selector = new RegionSelector(List.of(a));
        admitted(selector.select(100, Set.of()));

        assertThat(selector.select(100, Set.of())).isEqualTo(new Selection.Busy());
    }

    @Test
    void select_halfOpenButQuotaRefuses_cancelsTheProbeSoTheNextRequestCanProbe() {
        DeploymentLimiter a = limiter("swedencentral");
        assertThat(a.tryAcquire(6_000)).isTrue();
        open(a);
        ticker.advance(Duration.ofSeconds(5));
        assertThat(a.tryAcquire(6_000)).isFalse();
        RegionSelector selector = new RegionSelector(List.of(a));

        assertThat(selector.select(6_000, Set.of())).isInstanceOf(Selection.Wait.class);
        assertThat(a.breaker().permitsCall()).as("probe slot still free").isTrue();
        ticker.advance(Duration.ofSeconds(55));
        assertThat(admitted(selector.select(6_000, Set.of())).permit().probe()).isTrue();
    }

    @Test
    void select_tooLargeForEveryDeployment_isStillNeverWhenOpen() {
        DeploymentLimiter a = limiter("swedencentral");
        open(a);

        assertThat(new RegionSelector(List.of(a)).select(1_000_000, Set.of())).isEqualTo(new Selection.Never());
    }
}
