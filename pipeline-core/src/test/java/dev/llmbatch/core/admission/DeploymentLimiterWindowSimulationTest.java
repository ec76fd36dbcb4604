package dev.llmbatch.core.admission;

import static dev.llmbatch.core.admission.Deployments.config;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.time.FakeTicker;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Drives one limiter with a greedy client for ten simulated minutes and replays what it admitted through the
 * service's sliding windows (reference 3.3): no 60 s window may hold more than TPM tokens and no 10 s window more
 * than ceil(RPM/6) requests, and the limiter must still deliver nearly all of the quota: at least 97% of the binding
 * limit at any deployment size (the logs lose only margin / (window + margin)). Windows are half-open,
 * {@code (now - window, now]}, as in the project's region simulator: an entry accepted at t expires at t + window.
 */
class DeploymentLimiterWindowSimulationTest {
    private static final long STEP_NANOS = Duration.ofMillis(10).toNanos();
    private static final long RUN_NANOS = Duration.ofMinutes(10).toNanos();
    private static final long TOKEN_WINDOW = Duration.ofSeconds(60).toNanos();
    private static final long REQUEST_WINDOW = Duration.ofSeconds(10).toNanos();

    static Stream<Arguments> configurations() {
        return Stream.of(
                // token-bound: 450 requests/min of 1,000 tokens against 2,700 RPM
                Arguments.of("tokenBound_defaults", 450_000L, 2_700L, 1_000L, Duration.ofMillis(250)),
                // token-bound with an odd cost and no margin
                Arguments.of("tokenBound_oddCostNoMargin", 100_000L, 6_000L, 777L, Duration.ZERO),
                // token-bound on a small deployment: 10,000 TPM, requests of 900 tokens
                Arguments.of("tokenBound_smallDeployment", 10_000L, 60L, 900L, Duration.ofMillis(250)),
                // request-bound: 600 RPM of 10-token requests against 100,000 TPM
                Arguments.of("requestBound_defaults", 100_000L, 600L, 10L, Duration.ofMillis(250)),
                // request-bound with no margin: exactly 100 requests may land in a 10 s window, never 101
                Arguments.of("requestBound_noMargin", 100_000L, 600L, 10L, Duration.ZERO),
                // request-bound, RPM not a multiple of 6 (ceil(100/6) = 17 per 10 s), no margin
                Arguments.of("requestBound_oddRpmNoMargin", 1_000_000L, 100L, 50L, Duration.ZERO),
                // request-bound on a small deployment: 60 RPM = 10 requests per 10 s (a bucket gets 88% here)
                Arguments.of("requestBound_rpmSixty", 1_000_000L, 60L, 50L, Duration.ofMillis(250)),
                // request-bound at one request per 10 s: 10 / 10.25 of the rate
                Arguments.of("requestBound_rpmSix", 1_000_000L, 6L, 50L, Duration.ofMillis(250)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configurations")
    void tryAcquire_greedyClientForTenMinutes_staysWithinServiceWindowsAndUsesAtLeast97PercentOfQuota(String name,
            long tpm, long rpm, long cost, Duration margin) {
        FakeTicker ticker = new FakeTicker();
        DeploymentLimiter limiter = new DeploymentLimiter(config("swedencentral", tpm, rpm, 1), ticker, cost,
                margin);
        long requestCap = (rpm + 5) / 6;
        int maxAdmissions = (int) (RUN_NANOS / REQUEST_WINDOW * requestCap + requestCap + 1);
        long[] admittedAt = new long[maxAdmissions];
        int admitted = 0;

        for (long now = 0; now < RUN_NANOS; now += STEP_NANOS) {
            while (limiter.tryAcquire(cost)) {
                assertThat(admitted).as("more admissions than the request windows allow").isLessThan(maxAdmissions);
                admittedAt[admitted++] = ticker.nanos();
            }
            ticker.advance(Duration.ofNanos(STEP_NANOS));
        }

        assertThat(maxInAnyWindow(admittedAt, admitted, TOKEN_WINDOW) * cost)
                .as("tokens in any 60 s window").isLessThanOrEqualTo(tpm);
        assertThat(maxInAnyWindow(admittedAt, admitted, REQUEST_WINDOW))
                .as("requests in any 10 s window").isLessThanOrEqualTo(requestCap);
        double minutes = (double) RUN_NANOS / Duration.ofMinutes(1).toNanos();
        double tokenShare = admitted * cost / (tpm * minutes);
        double requestShare = admitted / (requestCap * 6 * minutes);
        boolean tokenBound = cost * rpm > tpm;
        assertThat(tokenBound ? tokenShare : requestShare)
                .as("share of the binding limit used (tokens %.4f, requests %.4f)", tokenShare, requestShare)
                .isGreaterThanOrEqualTo(0.97)
                .isLessThanOrEqualTo(1.0);
    }

    /** Most admissions inside any half-open window (t - window, t], over all admission times t. */
    private static long maxInAnyWindow(long[] times, int count, long window) {
        long max = 0;
        int first = 0;
        for (int i = 0; i < count; i++) {
            while (times[first] <= times[i] - window) {
                first++;
            }
            max = Math.max(max, i - first + 1);
        }
        return max;
    }
}
