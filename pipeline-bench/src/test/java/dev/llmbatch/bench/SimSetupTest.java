package dev.llmbatch.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.estimate.TokenEstimator;
import dev.llmbatch.simulator.SimulatorConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimSetupTest {

    @Test
    void serviceTimeIsTheDeterministicFormulaScaledAndTruncated() {
        // (20 + 600 + 330/1000*50 + 2*1000/80) * 0.6 = (620 + 16.5 + 25) * 0.6 = 396.9 -> 396 ms at scale 1
        assertThat(SimSetup.serviceMillis(330, 2, 0.6, 1)).isEqualTo(396);
        assertThat(SimSetup.serviceMillis(330, 2, 0.6, 10)).isEqualTo(39);
        assertThat(SimSetup.serviceMillis(330, 2, 0.6, 1000)).isZero();
    }

    @Test
    void simulatorYamlParses() {
        for (SimSetup.Latency l : SimSetup.Latency.values()) {
            SimulatorConfig c = SimulatorConfig.parse(SimSetup.simulatorYaml(SimSetup.REGIONS, 20, l, false, 1));
            assertThat(c.regions()).hasSize(3);
            assertThat(c.timeScale()).isEqualTo(20);
        }
        SimulatorConfig u = SimulatorConfig.parse(SimSetup.simulatorYaml(SimSetup.REGIONS, 1,
                SimSetup.Latency.INSTANT, true, 1));
        assertThat(u.region("eastus").deployments().get(0).tpm()).isEqualTo(SimSetup.UNLIMITED_TPM);
    }

    @Test
    void workerYamlParsesWithTheProductsLoader() {
        List<SimSetup.Endpoint> eps = List.of(new SimSetup.Endpoint("a", "http://127.0.0.1:1", 450_000, 2_700),
                new SimSetup.Endpoint("b", "http://127.0.0.1:2", 60_000, 360));
        String y = SimSetup.workerYaml(eps, "127.0.0.1:9092", SimSetup.Topics.named("t"), 20, false,
                "pool: {max-connections-per-region: 64, max-wait-queue: 100000}", "batching: {messages-jobs: true}",
                "delivery: at-least-once");
        var cfg = SimSetup.workerConfig(y);
        assertThat(cfg.worker().timeScale()).isEqualTo(20);
        assertThat(cfg.models().get(Workload.MODEL).deployments()).hasSize(2);
        assertThat(cfg.worker().maxWaitQueue()).isEqualTo(100_000);
    }

    @Test
    void workloadIsChargedExactlyWhatTheWorkerReserves() {
        // the prose keeps the tokenizer count below ceil(chars/4) + 1, so worker reservation == service charge
        TokenEstimator est = TokenEstimator.forEncoding("o200k_base");
        for (Workload.Item i : Workload.tokenBound("t", 20, 7)) {
            long reserve = est.estimate(i.job().messages(), Workload.MAX_TOKENS, 1).reserveTokens();
            assertThat(reserve).isEqualTo(i.cost());
            assertThat(i.cost()).isBetween(1000L, 1560L);
        }
    }
}
