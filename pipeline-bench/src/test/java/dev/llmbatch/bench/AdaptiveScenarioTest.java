package dev.llmbatch.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdaptiveScenarioTest {

    static AdaptiveScenario.Run run(int jobs, double jpm, long admitted, long billed, long resent,
            Map<String, String> outputs) {
        return new AdaptiveScenario.Run(jobs, jpm, 1.0, false, admitted, billed, 0, 0, resent, 0, outputs);
    }

    @Test
    void pairOfRunsGivesOnOverOffRatiosAndTheResentShare() {
        Map<String, String> out = Map.of("a", "x", "b", "y");
        AdaptiveScenario.Run on = run(1000, 1500, 100_000, 90_000, 10, out);
        AdaptiveScenario.Run off = run(1000, 600, 250_000, 90_000, 0, out);
        AdaptiveScenario.Pair p = AdaptiveScenario.Pair.of(on, off);
        assertThat(p.jobsPerMinRatio()).isCloseTo(2.5, within(1e-9));
        assertThat(p.admittedPerJobRatio()).isCloseTo(0.4, within(1e-9));
        assertThat(p.billedOverAdmittedOn()).isCloseTo(0.9, within(1e-9));
        assertThat(p.billedOverAdmittedOff()).isCloseTo(0.36, within(1e-9));
        assertThat(p.resentShare()).isCloseTo(0.01, within(1e-9));
        assertThat(p.identical()).isTrue();
    }

    @Test
    void ratioOfZeroDenominatorIsZero() {
        assertThat(AdaptiveScenario.ratio(5, 0)).isZero();
    }

    @Test
    void outputsDifferWhenOneChangesOrIsMissingOrNull() {
        assertThat(AdaptiveScenario.identicalOutputs(Map.of("a", "x"), Map.of("a", "x"))).isTrue();
        assertThat(AdaptiveScenario.identicalOutputs(Map.of("a", "x"), Map.of("a", "z"))).isFalse();
        assertThat(AdaptiveScenario.identicalOutputs(Map.of("a", "x"), Map.of("a", "x", "b", "y"))).isFalse();
        assertThat(AdaptiveScenario.identicalOutputs(Map.of(), Map.of())).isFalse();
        java.util.HashMap<String, String> nul = new java.util.HashMap<>();
        nul.put("a", null);
        assertThat(AdaptiveScenario.identicalOutputs(nul, nul)).isFalse();
    }

    @Test
    void translateJobsAreSeededAndAThirdJapanese() {
        List<Workload.Item> a = AdaptiveScenario.translateJobs("t", 30, 7, false);
        List<Workload.Item> b = AdaptiveScenario.translateJobs("t", 30, 7, false);
        assertThat(a).extracting(i -> i.job().input()).isEqualTo(b.stream().map(i -> i.job().input()).toList());
        assertThat(a.stream().filter(i -> !i.job().input().contains(" ")).count()).isEqualTo(10);
        assertThat(a).allSatisfy(i -> {
            assertThat(i.job().maxTokens()).isEqualTo(200);
            assertThat(i.job().task()).isEqualTo("translate");
        });
    }
}
