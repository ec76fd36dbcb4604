package dev.llmbatch.core.outcome;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.config.WorkerSettings;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.core.retry.RetryPolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Every path of the outcome policy, in the order its javadoc says they apply. */
class OutcomePolicyTest {
    private static final OutcomePolicy POLICY = new OutcomePolicy(new RetryPolicy(3,
            new WorkerSettings.Backoff(Duration.ofMillis(500), Duration.ofSeconds(8), 2.0, 0.5)),
            Duration.ofSeconds(90));

    private static CallOutcome.Success answer(String finish) {
        return new CallOutcome.Success("ok", finish, 10, 5, 1000, 10);
    }

    private static NextStep single(CallOutcome o, int failedBefore) {
        return POLICY.decide(o, false, false, failedBefore, 0.5);
    }

    @Test
    void answer_single_succeedsEvenWhenItsOwnLimitCutIt() {
        assertThat(single(answer("stop"), 0)).isInstanceOf(NextStep.Answered.class);
        assertThat(single(answer("length"), 0)).as("the job's own max_tokens cut it: the partial answer is the result")
                .isInstanceOf(NextStep.Answered.class);
    }

    @Test
    void answer_packed_isUnpackedWhateverItsFinishReason() {
        assertThat(POLICY.decide(answer("content_filter"), true, true, 0, 0.5)).isInstanceOf(NextStep.Unpack.class);
    }

    @Test
    void answer_filteredByTheService_isAFilteredResult() {
        assertThat(single(answer("content_filter"), 0)).isInstanceOf(NextStep.AnsweredFiltered.class);
    }

    @Test
    void answer_cutUnderALearnedBudget_goesAgainWithTheJobsOwnLimit() {
        assertThat(POLICY.decide(answer("length"), false, true, 0, 0.5)).isInstanceOf(NextStep.ResendUncut.class);
    }

    @Test
    void rateLimited_coolsForTheRetryAfterCappedAndNeverCountsAsAFailure() {
        NextStep s = single(new CallOutcome.RateLimited(Duration.ofSeconds(86_400), RetryAfter.Source.RETRY_AFTER,
                CallOutcome.RateLimited.Kind.TOKENS), 2);

        assertThat(s).isInstanceOf(NextStep.Elsewhere.class);
        assertThat(((NextStep.Elsewhere) s).cooldown()).isEqualTo(Duration.ofSeconds(90));
    }

    @Test
    void deploymentFault_putsTheDeploymentAsideNeverFailsTheJob() {
        for (int status : new int[] {401, 403, 404}) {
            CallOutcome.Misconfigured m = new CallOutcome.Misconfigured(status, "x", "y");
            assertThat(single(m, 5)).isEqualTo(new NextStep.PutAside(m));
            assertThat(POLICY.decide(m, true, false, 0, 0.5)).as("packed too").isEqualTo(new NextStep.PutAside(m));
        }
    }

    @Test
    void packedRefusedAsAWhole_isolatesItsItems() {
        assertThat(POLICY.decide(new CallOutcome.Permanent(400, "invalid", "bad"), true, false, 0, 0.5))
                .isEqualTo(new NextStep.Isolate("batch_400"));
        assertThat(POLICY.decide(new CallOutcome.Filtered(400, "content_filter", "no"), true, false, 0, 0.5))
                .isInstanceOf(NextStep.Isolate.class);
    }

    @Test
    void retriable_backsOffUntilTheAttemptBudgetThenGivesUp() {
        CallOutcome boom = new CallOutcome.Retriable(500, "server_error", "boom");

        assertThat(single(boom, 0)).isEqualTo(new NextStep.BackOff(Duration.ofMillis(375)));
        assertThat(single(boom, 1)).isEqualTo(new NextStep.BackOff(Duration.ofMillis(750)));
        NextStep last = single(boom, 2);
        assertThat(last).isInstanceOf(NextStep.GiveUp.class);
        assertThat(((NextStep.GiveUp) last).status()).isEqualTo(Status.FAILED);
        assertThat(((NextStep.GiveUp) last).error().retryable()).isTrue();
    }

    @Test
    void permanentOrFilteredSingle_givesUpAtOnce() {
        NextStep p = single(new CallOutcome.Permanent(400, "context_length_exceeded", "too long"), 0);
        NextStep f = single(new CallOutcome.Filtered(400, "content_filter", "no"), 0);

        assertThat(((NextStep.GiveUp) p).status()).isEqualTo(Status.FAILED);
        assertThat(((NextStep.GiveUp) f).status()).isEqualTo(Status.FILTERED);
    }

    @Test
    void fold_callsExactlyTheCaseOfTheStep() {
        NextStep.Cases<String> names = new NextStep.Cases<>() {
            public String answered(NextStep.Answered s) {
                return "answered";
            }

            public String unpack(NextStep.Unpack s) {
                return "unpack";
            }

            public String answeredFiltered(NextStep.AnsweredFiltered s) {
                return "filtered";
            }

            public String resendUncut(NextStep.ResendUncut s) {
                return "uncut";
            }

            public String elsewhere(NextStep.Elsewhere s) {
                return "elsewhere";
            }

            public String putAside(NextStep.PutAside s) {
                return "aside";
            }

            public String isolate(NextStep.Isolate s) {
                return "isolate";
            }

            public String backOff(NextStep.BackOff s) {
                return "backoff";
            }

            public String giveUp(NextStep.GiveUp s) {
                return "giveup";
            }
        };

        assertThat(new NextStep.Isolate("x").fold(names)).isEqualTo("isolate");
        assertThat(new NextStep.BackOff(Duration.ZERO).fold(names)).isEqualTo("backoff");
        assertThat(single(answer("stop"), 0).fold(names)).isEqualTo("answered");
    }
}
