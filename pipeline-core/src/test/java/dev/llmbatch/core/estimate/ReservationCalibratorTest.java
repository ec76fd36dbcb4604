package dev.llmbatch.core.estimate;

import static dev.llmbatch.core.admission.Deployments.config;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.admission.DeploymentLimiter;
import dev.llmbatch.core.admission.DeploymentLimiter.Admission;
import dev.llmbatch.core.admission.DeploymentLimiter.Observation;
import dev.llmbatch.core.admission.RequestCost;
import dev.llmbatch.core.time.FakeTicker;
import java.time.Duration;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Test;

/**
 * Drives a limiter and a calibrator against a model of the service's token window that charges prompts by one rule,
 * reporting x-ratelimit-remaining-tokens as the reference's pseudo-code does.
 */
class ReservationCalibratorTest {
    private static final long TPM = 100_000;
    private final FakeTicker ticker = new FakeTicker();
    private final DeploymentLimiter limiter = new DeploymentLimiter(config("japaneast", TPM, 6_000, 1), ticker,
            TPM, Duration.ofMillis(250));
    private final ReservationCalibrator calibrator = new ReservationCalibrator(true, 50);
    private final java.util.ArrayDeque<long[]> serviceWindow = new java.util.ArrayDeque<>();
    private long serviceUsed;

    /** Japanese prompts: the tokenizer counts 2.7 times the character rule. */
    private static RequestCost japanese(PromptRule rule, int i) {
        long chars = 40 + i % 17;
        return RequestCost.of(rule, chars * 27 / 10, chars, 30);
    }

    /** English prompts: the character rule counts 1.16 times the tokenizer. */
    private static RequestCost english(PromptRule rule, int i) {
        long tokens = 50 + i % 13;
        return RequestCost.of(rule, tokens, tokens * 116 / 100, 30);
    }

    /** Sends requests at 100 ms spacing; returns how many the service model would have refused. */
    private int run(int requests, java.util.function.BiFunction<PromptRule, Integer, RequestCost> workload,
            ToLongFunction<RequestCost> serviceCharge) {
        int refused = 0;
        for (int i = 0; i < requests; i++) {
            RequestCost cost = workload.apply(calibrator.rule(), i);
            Admission a = limiter.tryAcquire(cost);
            if (a != null) {
                long now = ticker.nanos();
                while (!serviceWindow.isEmpty() && now - serviceWindow.peekFirst()[0] >= 60_000_000_000L) {
                    serviceUsed -= serviceWindow.pollFirst()[1];
                }
                long charge = serviceCharge.applyAsLong(cost);
                if (serviceUsed + charge > TPM) {
                    refused++;
                    calibrator.onTokenRateLimited();
                } else {
                    serviceUsed += charge;
                    serviceWindow.addLast(new long[] {now, charge});
                    Observation o = limiter.observeRemaining(TPM - serviceUsed, -1, a);
                    calibrator.observe(o);
                }
                limiter.release();
            }
            ticker.advance(Duration.ofMillis(100));
        }
        return refused;
    }

    @Test
    void observe_serviceChargesByCharacters_japanesePromptsConvergeToTheCharacterRuleWithoutRefusals() {
        int refused = run(3_000, ReservationCalibratorTest::japanese, c -> c.under(PromptRule.CHARS));

        assertThat(calibrator.rule()).isEqualTo(PromptRule.CHARS);
        assertThat(refused).isZero();
        assertThat(calibrator.snapBacks()).isZero();
    }

    @Test
    void observe_serviceChargesByTokens_englishPromptsConvergeToTheTokenRule() {
        int refused = run(3_000, ReservationCalibratorTest::english, c -> c.under(PromptRule.TOKENS));

        assertThat(calibrator.rule()).isEqualTo(PromptRule.TOKENS);
        assertThat(refused).isZero();
    }

    @Test
    void observe_serviceChargesByTokensOnJapanese_staysOnTheSafeRuleItEquals() {
        run(3_000, ReservationCalibratorTest::japanese, c -> c.under(PromptRule.TOKENS));

        assertThat(calibrator.rule().prompt(108, 40)).isEqualTo(108);
    }

    @Test
    void observe_beforeEnoughEvidence_keepsTheSafeRule() {
        run(40, ReservationCalibratorTest::japanese, c -> c.under(PromptRule.CHARS));

        assertThat(calibrator.rule()).isEqualTo(PromptRule.MAX);
    }

    @Test
    void observe_serviceSwitchesToTokensAfterCalibrating_snapsBackToTheSafeRule() {
        run(3_000, ReservationCalibratorTest::japanese, c -> c.under(PromptRule.CHARS));
        assertThat(calibrator.rule()).isEqualTo(PromptRule.CHARS);

        int refused = run(3_000, ReservationCalibratorTest::japanese, c -> c.under(PromptRule.TOKENS));

        assertThat(calibrator.rule()).isEqualTo(PromptRule.MAX);
        assertThat(calibrator.snapBacks()).isPositive();
        assertThat(refused).as("refusals while snapping back, of 3,000").isLessThanOrEqualTo(15);
    }

    @Test
    void onTokenRateLimited_whileCalibrated_returnsToTheSafeRule() {
        run(3_000, ReservationCalibratorTest::japanese, c -> c.under(PromptRule.CHARS));

        assertThat(calibrator.onTokenRateLimited()).isTrue();

        assertThat(calibrator.rule()).isEqualTo(PromptRule.MAX);
        assertThat(calibrator.lastChange()).contains("429");
    }

    @Test
    void observe_disabled_alwaysTheSafeRule() {
        ReservationCalibrator off = new ReservationCalibrator(false, 1);
        long[] byRule = {900, 500, 500};
        for (int i = 0; i < 100; i++) {
            off.observe(new Observation(900, 900, byRule, byRule, RequestCost.flat(10), TPM));
        }
        assertThat(off.rule()).isEqualTo(PromptRule.MAX);
    }
}
