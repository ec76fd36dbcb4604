package dev.llmbatch.core.estimate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.config.AdaptiveMaxTokens;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AnswerLengthsTest {
    private static final AdaptiveMaxTokens ON = new AdaptiveMaxTokens(true, 0.99, 0.1, 50);
    private final AnswerLengths lengths = new AnswerLengths();

    /** A translation: about the input's length, log-normally spread. */
    private static int translation(SplittableRandom r, int input) {
        return (int) Math.max(1, Math.round(input * Math.exp(0.2 * r.nextGaussian())));
    }

    @Test
    void budget_beforeMinSamples_isEmpty() {
        for (int i = 0; i < 49; i++) {
            lengths.observe("t", ON, 40, 40);
        }
        assertThat(lengths.budget("t", ON, 40)).isEmpty();
        lengths.observe("t", ON, 40, 40);
        assertThat(lengths.budget("t", ON, 40)).isPresent();
    }

    @Test
    void budget_translationLike_growsWithTheInputAndCutsAboutOnePercent() {
        SplittableRandom r = new SplittableRandom(11);
        for (int i = 0; i < 5_000; i++) {
            int in = 10 + r.nextInt(80);
            lengths.observe("translate", ON, in, translation(r, in));
        }
        int cut = 0;
        int trials = 20_000;
        long budgetSum = 0;
        for (int i = 0; i < trials; i++) {
            int in = 10 + r.nextInt(80);
            int budget = lengths.budget("translate", ON, in).orElseThrow();
            budgetSum += budget;
            if (translation(r, in) > budget) {
                cut++;
            }
        }
        assertThat(lengths.budget("translate", ON, 80).orElseThrow())
                .isGreaterThan(lengths.budget("translate", ON, 20).orElseThrow());
        assertThat((double) cut / trials).as("share cut").isLessThan(0.02);
        assertThat(budgetSum / (double) trials).as("mean budget vs a 200-token limit").isLessThan(120);
    }

    @Test
    void budget_classificationLike_isTheFewTokensWhateverTheInput() {
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < 2_000; i++) {
            lengths.observe("sentiment", ON, 5 + r.nextInt(500), 1);
        }
        assertThat(lengths.budget("sentiment", ON, 500).orElseThrow()).isLessThanOrEqualTo(2);
        assertThat(lengths.budget("sentiment", ON, 5).orElseThrow()).isLessThanOrEqualTo(2);
    }

    @Test
    void budget_disabled_isEmpty() {
        for (int i = 0; i < 100; i++) {
            lengths.observe("t", ON, 40, 40);
        }
        assertThat(lengths.budget("t", new AdaptiveMaxTokens(false, 0.99, 0.1, 50), 40)).isEmpty();
    }

    @Test
    void budget_answersOftenLongerThanTheSmallerBudget_fallsBackByItself() {
        // Short answers for short inputs but long ones for long inputs, first seen after learning on short ones.
        for (int i = 0; i < 500; i++) {
            lengths.observe("t", ON, 10, 10);
        }
        int before = lengths.budget("t", ON, 400).orElseThrow();
        for (int i = 0; i < 3_000; i++) {
            lengths.observe("t", ON, 400, 400);
        }
        assertThat(before).isLessThan(400);
        assertThat(lengths.budget("t", ON, 400).orElse(Integer.MAX_VALUE)).isGreaterThanOrEqualTo(400);
    }

    @Test
    void snapshot_restore_keepsTheLearnedBudget() {
        for (int i = 0; i < 100; i++) {
            lengths.observe("t", ON, 40, 30 + i % 10);
        }
        AnswerLengths copy = new AnswerLengths();
        lengths.snapshot().forEach(copy::restore);

        assertThat(copy.budget("t", ON, 40)).isEqualTo(lengths.budget("t", ON, 40));
        assertThat(copy.restore("x", new double[3])).isFalse();
    }

    @Test
    void takeChanged_returnsOnlyInstructionsLearnedSinceTheLastCall() {
        lengths.observe("a", ON, 10, 10);
        lengths.observe("b", ON, 10, 10);

        assertThat(lengths.takeChanged()).containsOnlyKeys("a", "b");
        assertThat(lengths.takeChanged()).isEmpty();
        lengths.observe("b", ON, 10, 12);
        assertThat(lengths.takeChanged()).containsOnlyKeys("b");
    }
}
