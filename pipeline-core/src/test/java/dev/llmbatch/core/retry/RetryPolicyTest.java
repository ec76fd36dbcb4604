package dev.llmbatch.core.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbatch.core.config.WorkerSettings;
import dev.llmbatch.core.outcome.CallOutcome;
import dev.llmbatch.core.outcome.RetryAfter;
import dev.llmbatch.core.result.ErrorInfo;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.core.retry.RetryPolicy.Decision;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RetryPolicyTest {
    private static final WorkerSettings.Backoff BACKOFF =
            new WorkerSettings.Backoff(Duration.ofMillis(500), Duration.ofSeconds(8), 2.0, 0.5);
    private static final CallOutcome RETRIABLE = new CallOutcome.Retriable(503, "http_503", "overloaded");

    private final RetryPolicy policy = new RetryPolicy(6, BACKOFF);

    private static Duration backoffDelay(Decision d) {
        assertThat(d).isInstanceOf(Decision.Backoff.class);
        return ((Decision.Backoff) d).delay();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 6, 7, 1_000})
    void decide_rateLimited_reroutesRegardlessOfAttempts(int attempts) {
        CallOutcome limited = new CallOutcome.RateLimited(Duration.ofSeconds(7), RetryAfter.Source.RETRY_AFTER,
                CallOutcome.RateLimited.Kind.TOKENS);

        assertThat(policy.decide(limited, attempts, 0.3)).isEqualTo(new Decision.Reroute());
    }

    @Test
    void decide_retriableBelowMaxAttempts_backsOffWithinJitterBandOfCappedExponential() {
        long[] cappedMillis = {500, 1_000, 2_000, 4_000, 8_000};
        for (int attempt = 1; attempt <= 5; attempt++) {
            long capped = Duration.ofMillis(cappedMillis[attempt - 1]).toNanos();
            for (double random : new double[] {0.0, 0.25, 0.5, 0.999_999}) {
                Duration d = backoffDelay(policy.decide(RETRIABLE, attempt, random));

                assertThat(d.toNanos()).as("attempt %d, random %s", attempt, random)
                        .isBetween((long) (capped * 0.5), capped);
            }
            assertThat(backoffDelay(policy.decide(RETRIABLE, attempt, 0.0)).toNanos())
                    .isEqualTo(capped / 2);
        }
    }

    @Test
    void decide_retriableSuccessiveAttempts_doubleUntilCappedAtMax() {
        RetryPolicy many = new RetryPolicy(20, BACKOFF);
        Duration previous = Duration.ZERO;
        for (int attempt = 1; attempt <= 5; attempt++) {
            Duration d = backoffDelay(many.decide(RETRIABLE, attempt, 0.5));
            if (attempt > 1) {
                assertThat(d).isEqualTo(previous.multipliedBy(2));
            }
            previous = d;
        }
        for (int attempt = 6; attempt < 20; attempt++) {
            assertThat(backoffDelay(many.decide(RETRIABLE, attempt, 0.999_999)))
                    .isLessThanOrEqualTo(Duration.ofSeconds(8))
                    .isGreaterThan(Duration.ofMillis(7_990));
        }
    }

    @Test
    void decide_retriableLargeAttemptCount_doesNotOverflow() {
        RetryPolicy many = new RetryPolicy(Integer.MAX_VALUE, BACKOFF);

        assertThat(backoffDelay(many.decide(RETRIABLE, 5_000, 0.0))).isEqualTo(Duration.ofSeconds(4));
    }

    @Test
    void decide_noJitter_isExactlyTheCappedDelay() {
        RetryPolicy exact = new RetryPolicy(6, new WorkerSettings.Backoff(Duration.ofMillis(800), Duration.ofSeconds(8),
                2.0, 0.0));

        assertThat(backoffDelay(exact.decide(RETRIABLE, 3, 0.7))).isEqualTo(Duration.ofMillis(3_200));
    }

    @Test
    void decide_retriableAtMaxAttempts_givesUpFailedAndRetryable() {
        Decision d = policy.decide(RETRIABLE, 6, 0.5);

        assertThat(d).isInstanceOf(Decision.GiveUp.class);
        Decision.GiveUp g = (Decision.GiveUp) d;
        assertThat(g.status()).isEqualTo(Status.FAILED);
        assertThat(g.error().code()).isEqualTo("http_503");
        assertThat(g.error().retryable()).isTrue();
        assertThat(g.error().message()).contains("6").contains("overloaded");
        assertThat(policy.decide(RETRIABLE, 7, 0.5)).isInstanceOf(Decision.GiveUp.class);
        assertThat(policy.decide(RETRIABLE, 5, 0.5)).isInstanceOf(Decision.Backoff.class);
    }

    @Test
    void decide_permanent_givesUpFailedWithServiceCodeNotRetryable() {
        CallOutcome permanent = new CallOutcome.Permanent(400, "context_length_exceeded", "too long");

        assertThat(policy.decide(permanent, 1, 0.5)).isEqualTo(new Decision.GiveUp(Status.FAILED,
                new ErrorInfo("context_length_exceeded", "too long", false)));
    }

    @Test
    void decide_filtered_givesUpFiltered() {
        CallOutcome filtered = new CallOutcome.Filtered(400, "content_filter", "blocked");

        assertThat(policy.decide(filtered, 1, 0.5)).isEqualTo(new Decision.GiveUp(Status.FILTERED,
                new ErrorInfo("content_filter", "blocked", false)));
    }

    @Test
    void decide_success_throws() {
        CallOutcome ok = new CallOutcome.Success("x", "stop", 1, 1, -1, -1);

        assertThatThrownBy(() -> policy.decide(ok, 1, 0.5)).isInstanceOf(IllegalArgumentException.class);
    }
}
