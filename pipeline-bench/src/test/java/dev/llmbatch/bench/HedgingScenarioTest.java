package dev.llmbatch.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmbatch.simulator.SimulatorConfig;
import org.junit.jupiter.api.Test;

class HedgingScenarioTest {

    @Test
    void measures_hundredJobsWithAStraggler_tailIsFrom99To100Percent() {
        double[] s = new double[100];
        for (int i = 0; i < 99; i++) {
            s[i] = 1 + i * 0.1;
        }
        s[99] = 40;
        HedgingScenario.Measures m = HedgingScenario.measuresOfSeconds(s);
        assertThat(m.jobs()).isEqualTo(100);
        assertThat(m.makespanS()).isCloseTo(40, within(1e-9));
        assertThat(m.tailS()).as("99th done at 10.8 s").isCloseTo(40 - 10.8, within(1e-3));
        assertThat(m.backlogJobsPerS()).as("90 jobs by 9.9 s").isCloseTo(90 / 9.9, within(1e-6));
    }

    @Test
    void ratios_onOverOff_extraShareFromTheOnRun() {
        HedgingScenario.Measures off = new HedgingScenario.Measures(100, 40, 30, 2_000, 10, 0, 0, 0, 10_000);
        HedgingScenario.Measures on = new HedgingScenario.Measures(100, 20, 3, 500, 10, 5, 4, 200, 10_200);
        HedgingScenario.Ratios r = HedgingScenario.Ratios.of(on, off);
        assertThat(r.makespan()).isCloseTo(0.5, within(1e-9));
        assertThat(r.tail()).isCloseTo(0.1, within(1e-9));
        assertThat(r.p99Latency()).isCloseTo(0.25, within(1e-9));
        assertThat(r.backlogThroughput()).isCloseTo(1.0, within(1e-9));
        assertThat(r.extraTokenShare()).isCloseTo(200 / 10_200.0, within(1e-9));
    }

    @Test
    void parse_resultWithAndWithoutHedgedKey() throws Exception {
        ObjectMapper json = new ObjectMapper();
        HedgingScenario.Done plain = HedgingScenario.parse("a", 5, json.readTree(
                "{\"id\":\"a\",\"latency_ms\":812,\"usage\":{\"prompt_tokens\":41,\"completion_tokens\":9}}"));
        assertThat(plain.hedged()).isFalse();
        assertThat(plain.usageTokens()).isEqualTo(50);
        assertThat(plain.latencyMs()).isEqualTo(812);
        HedgingScenario.Done hedged = HedgingScenario.parse("b", 6, json.readTree("{\"id\":\"b\",\"latency_ms\":900,"
                + "\"usage\":{\"prompt_tokens\":82,\"completion_tokens\":18},"
                + "\"hedged\":{\"won\":\"hedge\",\"extra_tokens\":50}}"));
        assertThat(hedged.hedged()).isTrue();
        assertThat(hedged.won()).isEqualTo("hedge");
        assertThat(hedged.extraTokens()).isEqualTo(50);
    }

    @Test
    void simYaml_parsesWithOneStallingRegion() {
        SimulatorConfig c = SimulatorConfig.parse(HedgingScenario.simYaml(42));
        assertThat(c.regions()).hasSize(3);
        assertThat(c.region(HedgingScenario.STALLING).latency().stallProbability()).isEqualTo(0.05);
        assertThat(c.region("japaneast").latency().stallProbability()).isZero();
    }
}
