package dev.llmbatch.simulator.quota;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CostEstimatorTest {

    @Test
    void chars_contentAndMaxTokens_ceilQuarterPlusOnePlusMaxTokens() {
        assertThat(CostEstimator.CHARS.estimate(40, 999, 5, 1)).isEqualTo(10 + 1 + 5);
        assertThat(CostEstimator.CHARS.estimate(41, 999, 5, 1)).isEqualTo(11 + 1 + 5);
        assertThat(CostEstimator.CHARS.estimate(0, 999, 640, 1)).isEqualTo(641);
    }

    @Test
    void chars_nChoices_multipliesMaxTokensOnly() {
        assertThat(CostEstimator.CHARS.estimate(8, 999, 10, 3)).isEqualTo(2 + 1 + 30);
    }

    @Test
    void gpt35_anyPrompt_chargesMaxTokensTimesN() {
        assertThat(CostEstimator.GPT35.estimate(10_000, 999, 16, 1)).isEqualTo(16);
        assertThat(CostEstimator.GPT35.estimate(10_000, 999, 16, 2)).isEqualTo(32);
    }

    @Test
    void tokenizer_anyContentLength_chargesPromptTokensPlusMaxTokensTimesN() {
        assertThat(CostEstimator.TOKENIZER.estimate(10_000, 37, 5, 1)).isEqualTo(37 + 5);
        assertThat(CostEstimator.TOKENIZER.estimate(1, 37, 5, 4)).isEqualTo(37 + 20);
    }

    @Test
    void fromYaml_namesAndAliases_resolveOrNull() {
        assertThat(CostEstimator.fromYaml("gpt35")).isEqualTo(CostEstimator.GPT35);
        assertThat(CostEstimator.fromYaml("chars")).isEqualTo(CostEstimator.CHARS);
        assertThat(CostEstimator.fromYaml("gpt4o")).isEqualTo(CostEstimator.CHARS);
        assertThat(CostEstimator.fromYaml("Tokenizer")).isEqualTo(CostEstimator.TOKENIZER);
        assertThat(CostEstimator.fromYaml("exact")).isNull();
        assertThat(CostEstimator.yamlNames()).containsExactly("chars", "gpt4o", "gpt35", "tokenizer");
    }
}
