package dev.llmbatch.core.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbatch.core.admission.CircuitBreaker.Permit;
import dev.llmbatch.core.admission.CircuitBreaker.State;
import dev.llmbatch.core.config.WorkerSettings.BreakerSettings;
import dev.llmbatch.core.outcome.CallOutcome;
import dev.llmbatch.core.outcome.RetryAfter;
import dev.llmbatch.core.time.FakeTicker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {
    /** The defaults: 50% of at least 10 calls in 10 s opens; open 5 s, doubling to at most 60 s. */
    private static final BreakerSettings SETTINGS = new BreakerSettings(true, 0.5, 10, Duration.ofSeconds(10),
            Duration.ofSeconds(5), Duration.ofSeconds(60));
    private static final CallOutcome OK = new CallOutcome.Success("x", "stop", 10, 1, -1, -1);
    private static final CallOutcome E500 = new CallOutcome.Retriable(500, "InternalServerError", "HTTP 500");
    private static final CallOutcome E503 = new CallOutcome.Retriable(503, "ServiceUnavailable", "HTTP 503");
    private static final CallOutcome E408 = new CallOutcome.Retriable(408, "http_408", "HTTP 408");
    private static final CallOutcome TIMEOUT = new CallOutcome.Retriable(0, "timeout", "no response");
    private static final CallOutcome RESET = new CallOutcome.Retriable(0, "connection_error", "reset");
    private static final CallOutcome CONNECT = new CallOutcome.Retriable(0, "connect_failed", "refused");
    private static final CallOutcome GARBLED = new CallOutcome.Retriable(200, "malformed_response", "not JSON");
    private static final CallOutcome E429 = new CallOutcome.RateLimited(Duration.ofSeconds(3),
            RetryAfter.Source.RETRY_AFTER_MS, CallOutcome.RateLimited.Kind.TOKENS);
    private static final CallOutcome E400 = new CallOutcome.Permanent(400, "invalid_request", "bad");
    private static final CallOutcome E401 = new CallOutcome.Permanent(401, "unauthorized", "no key");
    private static final CallOutcome FILTERED = new CallOutcome.Filtered(400, "content_filter", "blocked");

    private final FakeTicker ticker = new FakeTicker();
    private final List<String> transitions = new ArrayList<>();
    private final CircuitBreaker breaker = breaker(SETTINGS);

    private CircuitBreaker breaker(BreakerSettings s) {
        return new CircuitBreaker(s, ticker, (from, to, reason) -> transitions.add(from.label() + "->" + to.label()
                + ": " + reason));
    }

    /** Makes {@code n} calls that each end with {@code outcome} (one after the other). */
    private void calls(int n, CallOutcome outcome) {
        for (int i = 0; i < n; i++) {
            Permit p = breaker.tryAcquire();
            assertThat(p).as("permit for call %d", i).isNotNull();
            breaker.onResult(p, outcome);
        }
    }

    private void tripOpen() {
        calls(10, E500);
        assertThat(breaker.state()).isEqualTo(State.OPEN);
    }

    /** Lets the open period pass and sends the probe with {@code outcome}. */
    private void probe(CallOutcome outcome) {
        ticker.advance(breaker.openRemaining());
        Permit probe = breaker.tryAcquire();
        assertThat(probe).isNotNull();
        assertThat(probe.probe()).isTrue();
        breaker.onResult(probe, outcome);
    }

    @Test
    void new_isClosedAndAdmitsCalls() {
        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        assertThat(breaker.permitsCall()).isTrue();
        assertThat(breaker.nanosUntilPermitted()).isZero();
        assertThat(breaker.openRemaining()).isZero();
        Permit p = breaker.tryAcquire();
        assertThat(p).isNotNull();
        assertThat(p.probe()).isFalse();
    }

    @Test
    void closed_fewerFailuresThanMinimumCalls_staysClosed() {
        calls(9, E500);

        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        assertThat(transitions).isEmpty();
    }

    @Test
    void closed_minimumCallsAllFailed_opensOnTheLastOne() {
        calls(10, E500);

        assertThat(breaker.state()).isEqualTo(State.OPEN);
        assertThat(transitions).containsExactly(
                "closed->open: 10 of 10 calls failed within 10000 ms, the last with 500; open for 5000 ms");
    }

    @Test
    void closed_failureRateBelowThreshold_staysClosed() {
        calls(6, OK);
        calls(5, E500); // 5 of 11

        assertThat(breaker.state()).isEqualTo(State.CLOSED);
    }

    @Test
    void closed_failureRateAtThreshold_opens() {
        calls(5, OK);
        calls(5, E500); // 5 of 10

        assertThat(breaker.state()).isEqualTo(State.OPEN);
    }

    @Test
    void closed_failuresOlderThanTheWindow_doNotCount() {
        calls(9, E500);
        ticker.advance(Duration.ofSeconds(11));
        calls(9, E500);

        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        calls(1, E500);
        assertThat(breaker.state()).isEqualTo(State.OPEN);
    }

    @Test
    void closed_failuresSpreadWithinTheWindow_count() {
        for (int i = 0; i < 10; i++) {
            calls(1, E500);
            ticker.advance(Duration.ofMillis(900));
        }

        assertThat(breaker.state()).isEqualTo(State.OPEN);
    }

    @Test
    void closed_timeoutsConnectionErrors503And408_countAsFailures() {
        calls(2, TIMEOUT);
        calls(2, RESET);
        calls(2, CONNECT);
        calls(2, E503);
        calls(2, E408);

        assertThat(breaker.state()).isEqualTo(State.OPEN);
    }

    @Test
    void closed_rateLimitedCalls_neitherCountNorOpen() {
        calls(50, E429);
        calls(9, E500);

        assertThat(breaker.state()).as("429s are cooldowns, not failures, and not answers either")
                .isEqualTo(State.CLOSED);
        calls(1, E500);
        assertThat(breaker.state()).as("10 failures of 10 counted calls").isEqualTo(State.OPEN);
    }

    @Test
    void closed_permanentFilteredAndGarbledAnswers_neverOpen() {
        calls(20, E400);
        calls(20, E401);
        calls(20, FILTERED);
        calls(20, GARBLED);

        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        assertThat(transitions).isEmpty();
    }

    @Test
    void closed_permanentAnswers_countAsAnsweredCallsInTheRate() {
        calls(6, E400);
        calls(5, E500);

        assertThat(breaker.state()).isEqualTo(State.CLOSED);
    }

    @Test
    void open_admitsNothingUntilTheOpenPeriodEnds() {
        tripOpen();
        ticker.advance(Duration.ofSeconds(2));

        assertThat(breaker.tryAcquire()).isNull();
        assertThat(breaker.permitsCall()).isFalse();
        assertThat(breaker.nanosUntilPermitted()).isEqualTo(Duration.ofSeconds(3).toNanos());
        assertThat(breaker.openRemaining()).isEqualTo(Duration.ofSeconds(3));
        assertThat(breaker.state()).isEqualTo(State.OPEN);
    }

    @Test
    void open_periodOver_halfOpenAdmitsExactlyOneProbe() {
        tripOpen();
        ticker.advance(Duration.ofSeconds(5));

        assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
        assertThat(breaker.nanosUntilPermitted()).isZero();
        Permit probe = breaker.tryAcquire();
        assertThat(probe).isNotNull();
        assertThat(probe.probe()).isTrue();
        assertThat(breaker.tryAcquire()).as("a second call while the probe is out").isNull();
        assertThat(breaker.permitsCall()).isFalse();
        assertThat(breaker.nanosUntilPermitted()).as("the probe's result decides, not time")
                .isEqualTo(Long.MAX_VALUE);
        ticker.advance(Duration.ofMinutes(10));
        assertThat(breaker.tryAcquire()).isNull();
        assertThat(transitions).last().asString().startsWith("open->half_open: open period of 5000 ms over");
    }

    @Test
    void halfOpen_probeSucceeds_closesAndStartsAFreshWindow() {
        calls(5, OK);
        calls(5, E500);
        probe(OK);

        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        assertThat(transitions).last().isEqualTo("half_open->closed: probe answered 200");
        calls(9, E500);
        assertThat(breaker.state()).as("failures from before the open period are forgotten")
                .isEqualTo(State.CLOSED);
    }

    @Test
    void halfOpen_probeAnswersPermanentError_closes() {
        tripOpen();
        probe(E400);

        assertThat(breaker.state()).isEqualTo(State.CLOSED);
    }

    @Test
    void halfOpen_probeFails_reopensForDoubleThePeriodUpToTheCap() {
        tripOpen();
        List<Duration> periods = new ArrayList<>();
        periods.add(breaker.openRemaining());
        for (int i = 0; i < 6; i++) {
            probe(i % 2 == 0 ? E500 : TIMEOUT);
            assertThat(breaker.state()).isEqualTo(State.OPEN);
            periods.add(breaker.openRemaining());
        }

        assertThat(periods).containsExactly(Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(20),
                Duration.ofSeconds(40), Duration.ofSeconds(60), Duration.ofSeconds(60), Duration.ofSeconds(60));
        assertThat(transitions).contains("half_open->open: probe failed with 500; open for 10000 ms",
                "half_open->open: probe failed with timeout; open for 20000 ms");
    }

    @Test
    void halfOpen_successAfterFailedProbes_resetsTheOpenPeriod() {
        tripOpen();
        probe(E500);
        probe(E500);
        probe(OK);
        assertThat(breaker.state()).isEqualTo(State.CLOSED);

        tripOpen();

        assertThat(breaker.openRemaining()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void halfOpen_probeRateLimited_staysHalfOpenAndAdmitsTheNextProbe() {
        tripOpen();
        probe(E429);

        assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
        Permit next = breaker.tryAcquire();
        assertThat(next).isNotNull();
        assertThat(next.probe()).isTrue();
        breaker.onResult(next, OK);
        assertThat(breaker.state()).isEqualTo(State.CLOSED);
    }

    @Test
    void halfOpen_probeCancelled_freesTheProbeSlot() {
        tripOpen();
        ticker.advance(Duration.ofSeconds(5));
        Permit probe = breaker.tryAcquire();

        breaker.cancel(probe);

        assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
        assertThat(breaker.tryAcquire()).isNotNull();
    }

    @Test
    void cancel_ofAnOrdinaryOrStalePermit_changesNothing() {
        Permit ordinary = breaker.tryAcquire();
        breaker.cancel(ordinary);
        tripOpen();
        ticker.advance(Duration.ofSeconds(5));
        Permit probe = breaker.tryAcquire();
        breaker.cancel(ordinary);

        assertThat(breaker.tryAcquire()).as("the probe is still out").isNull();
        breaker.onResult(probe, OK);
        assertThat(breaker.state()).isEqualTo(State.CLOSED);
    }

    @Test
    void halfOpen_resultsOfCallsAdmittedBeforeItOpened_areNotTakenForTheProbe() {
        List<Permit> inFlight = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            inFlight.add(breaker.tryAcquire());
        }
        tripOpen();
        ticker.advance(Duration.ofSeconds(5));
        Permit probe = breaker.tryAcquire();

        // a hung region answers the older calls a request timeout later: with successes and failures
        breaker.onResult(inFlight.get(0), OK);
        breaker.onResult(inFlight.get(1), TIMEOUT);

        assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
        assertThat(breaker.tryAcquire()).as("the probe is still out").isNull();
        breaker.onResult(probe, E500);
        assertThat(breaker.state()).isEqualTo(State.OPEN);
        assertThat(breaker.openRemaining()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void open_resultsOfCallsAdmittedBeforeItOpened_neitherExtendNorCloseIt() {
        List<Permit> inFlight = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            inFlight.add(breaker.tryAcquire());
        }
        for (int i = 0; i < 10; i++) {
            breaker.onResult(inFlight.get(i), E500);
        }
        assertThat(breaker.state()).isEqualTo(State.OPEN);
        ticker.advance(Duration.ofSeconds(1));

        breaker.onResult(inFlight.get(10), OK);
        for (int i = 11; i < 20; i++) {
            breaker.onResult(inFlight.get(i), E500);
        }

        assertThat(breaker.state()).isEqualTo(State.OPEN);
        assertThat(breaker.openRemaining()).isEqualTo(Duration.ofSeconds(4));
        assertThat(transitions).hasSize(1);
    }

    @Test
    void closed_resultsOfCallsAdmittedBeforeTheLastOpening_areIgnored() {
        List<Permit> old = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            old.add(breaker.tryAcquire());
        }
        tripOpen();
        probe(OK);

        old.forEach(p -> breaker.onResult(p, E500));

        assertThat(breaker.state()).isEqualTo(State.CLOSED);
    }

    @Test
    void transitions_fullCycle_reportedInOrder() {
        tripOpen();
        probe(E500);
        probe(OK);

        assertThat(transitions).extracting(t -> t.substring(0, t.indexOf(':'))).containsExactly(
                "closed->open", "open->half_open", "half_open->open", "open->half_open", "half_open->closed");
    }

    @Test
    void gaugeValues_closedHalfOpenOpen_are012() {
        assertThat(State.CLOSED.gaugeValue()).isZero();
        assertThat(State.HALF_OPEN.gaugeValue()).isEqualTo(1);
        assertThat(State.OPEN.gaugeValue()).isEqualTo(2);
    }

    @Test
    void disabled_neverOpens() {
        CircuitBreaker off = breaker(new BreakerSettings(false, 0.5, 1, Duration.ofSeconds(10),
                Duration.ofSeconds(5), Duration.ofSeconds(60)));
        for (int i = 0; i < 100; i++) {
            off.onResult(off.tryAcquire(), E500);
        }

        assertThat(off.state()).isEqualTo(State.CLOSED);
        assertThat(off.permitsCall()).isTrue();
        assertThat(transitions).isEmpty();
        assertThat(CircuitBreaker.disabled().enabled()).isFalse();
    }

    @Test
    void minimumCallsOne_singleFailureOpens() {
        CircuitBreaker eager = breaker(new BreakerSettings(true, 1.0, 1, Duration.ofSeconds(10),
                Duration.ofSeconds(5), Duration.ofSeconds(5)));

        eager.onResult(eager.tryAcquire(), RESET);

        assertThat(eager.state()).isEqualTo(State.OPEN);
    }

    @Test
    void constructor_invalidSettings_throws() {
        assertThatThrownBy(() -> breaker(new BreakerSettings(true, 0, 10, Duration.ofSeconds(10),
                Duration.ofSeconds(5), Duration.ofSeconds(60)))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> breaker(new BreakerSettings(true, 0.5, 10, Duration.ofSeconds(10),
                Duration.ofSeconds(5), Duration.ofSeconds(1)))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> breaker(new BreakerSettings(true, 0.5, 10, Duration.ZERO,
                Duration.ofSeconds(5), Duration.ofSeconds(60)))).isInstanceOf(IllegalArgumentException.class);
    }
}
