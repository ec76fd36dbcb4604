package dev.llmbatch.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.config.Delivery;
import dev.llmbatch.core.config.PipelineConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReliabilityScenarioTest {

    @Test
    void aggregateRate_isJobsOverSummedSteadyTime_soOneFastRunCannotInflateIt() {
        Cpu.Snapshot none = new Cpu.Snapshot(0, 0, 0);
        List<ReliabilityScenario.Rate> runs = List.of(
                new ReliabilityScenario.Rate("a1", false, 1, 1001, 1.0, 2, 1001, 1001, none),
                new ReliabilityScenario.Rate("e1", true, 1, 1001, 2.0, 3, 1001, 1001, none),
                new ReliabilityScenario.Rate("a2", false, 2, 1001, 0.1, 1, 1001, 1001, none),
                new ReliabilityScenario.Rate("e2", true, 2, 1001, 2.0, 3, 1001, 1001, none));
        // at-least-once: 2000 jobs in 1.1 s; the arithmetic mean of 1000 and 10000 jobs/s would say 5500
        assertThat(ReliabilityScenario.aggregateRate(runs, false)).isCloseTo(2000 / 1.1, org.assertj.core.data
                .Offset.offset(1e-6));
        assertThat(ReliabilityScenario.aggregateRate(runs, true)).isCloseTo(500, org.assertj.core.data.Offset
                .offset(1e-6));
    }

    @Test
    void timeline_countsResultsVisibleAtEachTenthOfASecond() {
        double[][] xy = ReliabilityScenario.timeline(List.of(1_050L, 1_100L, 1_250L, 1_400L), 1_000, 1_300);
        assertThat(xy[0]).containsExactly(0, 0.1, 0.2, 0.3);
        assertThat(xy[1]).containsExactly(0, 2, 2, 3);
    }

    @Test
    void median_ofOddAndEvenCounts() {
        assertThat(ReliabilityScenario.median(List.of(2.5, 0.9, 1.2))).isEqualTo(1.2);
        assertThat(ReliabilityScenario.median(List.of(2.0, 1.0))).isEqualTo(1.5);
        assertThat(ReliabilityScenario.median(List.of())).isNaN();
    }

    @Test
    void killPoints_areSpreadEvenly() {
        assertThat(ReliabilityScenario.killPoints(3)).isEqualTo("25%, 50%, 75%");
    }

    @Test
    void crashWorkerConfig_parses_withAStableTransactionalIdAndTheShortestSessionTimeout() {
        SimSetup.Topics t = SimSetup.Topics.named("x");
        List<SimSetup.Endpoint> eps = List.of(new SimSetup.Endpoint("swedencentral", "http://127.0.0.1:1", 1, 1));
        PipelineConfig c = SimSetup.workerConfig(SimSetup.workerYaml(eps, "127.0.0.1:9092", t, 5, true, null, null,
                ReliabilityScenario.crashKafka("exactly-once", "bench-reliability-eos-0")));
        assertThat(c.kafka().delivery()).isEqualTo(Delivery.EXACTLY_ONCE);
        assertThat(c.kafka().transactionalId()).isEqualTo("bench-reliability-eos-0");
        assertThat(c.kafka().properties()).containsEntry("session.timeout.ms", "6000");
        assertThat(SimSetup.workerConfig(SimSetup.workerYaml(eps, "127.0.0.1:9092", t, 5, true, null, null,
                ReliabilityScenario.crashKafka("at-least-once", "y"))).kafka().delivery())
                .isEqualTo(Delivery.AT_LEAST_ONCE);
    }
}
