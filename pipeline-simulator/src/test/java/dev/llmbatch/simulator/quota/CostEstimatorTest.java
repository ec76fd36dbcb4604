package dev.llmbatch.simulator.quota;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CostEstimatorTest {

    @Test
    void gpt4o_contentAndMaxTokens_ceilQuarterPlusOnePlusMaxTokens() {
        assertThat(CostEstimator.GPT4O.estimate(40, 5, 1)).isEqualTo(10 + 1 + 5);
        assertThat(CostEstimator.GPT4O.estimate(41, 5, 1)).isEqualTo(11 + 1 + 5);
        assertThat(CostEstimator.GPT4O.estimate(0, 640, 1)).isEqualTo(641);
    }

    @Test
    void gpt4o_nChoices_multipliesMaxTokensOnly() {
        assertThat(CostEstimator.GPT4O.estimate(8, 10, 3)).isEqualTo(2 + 1 + 30);
    }

    @Test
    void gpt35_anyPrompt_chargesMaxTokensTimesN() {
        assertThat(CostEstimator.GPT35.estimate(10_000, 16, 1)).isEqualTo(16);
        assertThat(CostEstimator.GPT35.estimate(10_000, 16, 2)).isEqualTo(32);
    }

    @Test
    void fromYaml_knownAndUnknownNames_resolveOrNull() {
        assertThat(CostEstimator.fromYaml("gpt35")).isEqualTo(CostEstimator.GPT35);
        assertThat(CostEstimator.fromYaml("exact")).isNull();
    }
}
