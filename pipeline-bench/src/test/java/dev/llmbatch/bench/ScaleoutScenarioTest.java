package dev.llmbatch.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ScaleoutScenarioTest {
    static final String METRICS = """
            # HELP llm_quota_store_up 1 while quotas are shared through Redis, 0 on a local share.
            # TYPE llm_quota_store_up gauge
            llm_quota_store_up 1.0
            llm_quota_store_upper_bound 7
            llm_quota_store_commands_per_request{pool="a"} 1.023
            llm_quota_store_fallbacks NaN-ish
            """;

    @Test
    void gauge_readsTheSampleOfExactlyThatName_withOrWithoutLabels() {
        assertThat(ScaleoutScenario.gauge(METRICS, "llm_quota_store_up")).isEqualTo(OptionalDouble.of(1.0));
        assertThat(ScaleoutScenario.gauge(METRICS, "llm_quota_store_commands_per_request"))
                .isEqualTo(OptionalDouble.of(1.023));
        assertThat(ScaleoutScenario.gauge(METRICS, "llm_quota_store_upper")).isEmpty();
        assertThat(ScaleoutScenario.gauge(METRICS, "llm_quota_store_fallbacks")).isEmpty();
        assertThat(ScaleoutScenario.gauge("", "llm_quota_store_up")).isEmpty();
    }

    @Test
    void tally_countsIdsWithoutAResultAndIdsWithMoreThanOne() {
        Map<String, List<Integer>> results = Map.of("a", List.of(1), "b", List.of(1, 2), "x", List.of(1, 2, 3));
        assertThat(ScaleoutScenario.tally(Set.of("a", "b", "c"), results)).containsExactly(1, 1);
        assertThat(ScaleoutScenario.tally(Set.of("a"), Map.of("a", List.of(1)))).containsExactly(0, 0);
    }

    @Test
    void size_keepsTheSameRealMarginAtEveryTimeScale() {
        assertThat(ScaleoutScenario.size(true).marginMs()).isEqualTo(3000);
        assertThat(ScaleoutScenario.size(false).marginMs()).isEqualTo(1200);
        assertThat(ScaleoutScenario.mean(List.of(1.0, 0.5))).isEqualTo(0.75);
        assertThat(ScaleoutScenario.mean(List.of())).isNaN();
    }
}
