package dev.llmbatch.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbatch.simulator.quota.CostEstimator;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulatorConfigTest {

    private static final String MINIMAL = """
            regions:
              - name: a
                deployments:
                  - name: d
            """;

    @Test
    void parse_minimal_appliesEveryDefault() {
        SimulatorConfig c = SimulatorConfig.parse(MINIMAL);
        assertThat(c.timeScale()).isEqualTo(1.0);
        assertThat(c.seed()).isEqualTo(42);
        assertThat(c.host()).isEqualTo("127.0.0.1");
        assertThat(c.apiKeys()).containsExactly("sim-key");
        RegionConfig r = c.regions().get(0);
        assertThat(r.port()).isZero();
        assertThat(r.displayName()).isEqualTo("a");
        assertThat(r.latency()).isEqualTo(new LatencyConfig(20, 600, 50, 80, 0.35, 0.3, 0.5, 1.0, 0.0));
        assertThat(r.faults()).isEmpty();
        DeploymentConfig d = r.deployments().get(0);
        assertThat(d.model()).isEqualTo("d");
        assertThat(d.encoding()).isEqualTo("o200k_base");
        assertThat(d.tpm()).isEqualTo(450_000);
        assertThat(d.rpm()).isEqualTo(2700);
        assertThat(d.estimator()).isEqualTo(CostEstimator.CHARS);
        assertThat(d.defaultMaxTokens()).isEqualTo(640);
        assertThat(d.contextWindow()).isEqualTo(128_000);
        assertThat(d.contentFilterPattern()).isNull();
        assertThat(d.bodyStyle()).isEqualTo(BodyStyle.LEGACY);
        assertThat(d.headerProfile()).isEqualTo(HeaderProfile.FULL);
        assertThat(d.retryAfterMsHeader()).isTrue();
        assertThat(d.rejectOversize()).isTrue();
        assertThat(d.requestWindow1s()).isFalse();
        assertThat(d.batchFaults()).isEqualTo(BatchFaults.none());
        assertThat(d.batchFaults().isNone()).isTrue();
        assertThat(d.packing()).isEqualTo(PackingMode.FOLLOW);
    }

    @Test
    void parse_latencyTailKeys_readAndValidated() {
        SimulatorConfig c = SimulatorConfig.parse(MINIMAL.replace("- name: a", "- name: a\n    latency: "
                + "{tail-sigma: 0.8, stall-probability: 0.02, stall-ms: 20000}"));
        LatencyConfig l = c.regions().get(0).latency();
        assertThat(l).isEqualTo(new LatencyConfig(20, 600, 50, 80, 0.35, 0.3, 0.5, 1.0, 0.0).withTail(0.8, 0.02, 20000));
        assertThat(SimulatorConfig.parse(MINIMAL).regions().get(0).latency().stallMs()).isEqualTo(30_000);
        assertThatThrownBy(() -> SimulatorConfig.parse(
                MINIMAL.replace("- name: a", "- name: a\n    latency: {stall-probability: 1.5}")))
                .hasMessage("regions[0].latency.stall-probability must be in [0, 1], got 1.5");
        assertThatThrownBy(() -> SimulatorConfig.parse(
                MINIMAL.replace("- name: a", "- name: a\n    latency: {tail-sigma: -1}")))
                .hasMessage("regions[0].latency.tail-sigma must be >= 0, got -1.0");
    }

    @Test
    void parse_packing_ignoreReadAndUnknownValueNamed() {
        SimulatorConfig c = SimulatorConfig.parse(MINIMAL.replace("- name: d", "- name: d\n        packing: ignore"));
        assertThat(c.regions().get(0).deployments().get(0).packing()).isEqualTo(PackingMode.IGNORE);
        assertThatThrownBy(() -> SimulatorConfig.parse(
                MINIMAL.replace("- name: d", "- name: d\n        packing: never")))
                .hasMessage("regions[0].deployments[0].packing must be one of [follow, ignore], got \"never\"");
    }

    @Test
    void parse_exampleResource_loadsEveryKey() throws IOException {
        String yaml;
        try (InputStream in = getClass().getResourceAsStream("/simulator-example.yaml")) {
            yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        SimulatorConfig c = SimulatorConfig.parse(yaml);
        assertThat(c.regions()).extracting(RegionConfig::name).containsExactly("swedencentral", "eastus");
        FaultWindow w = c.regions().get(0).faults().get(0);
        assertThat(w.covers(630)).isTrue();
        assertThat(w.covers(660)).isFalse();
        assertThat(w.faults().p500()).isEqualTo(0.5);
        assertThat(c.regions().get(1).deployments().get(0).rpm()).isEqualTo(900);
        assertThat("2024-10-21").matches(c.apiVersionsAccept());
        assertThat("2024-08-01-preview").matches(c.apiVersionsAccept());
        assertThat(c.regions().get(0).deployments().get(0).batchFaults()).isEqualTo(BatchFaults.none());
        assertThat(yaml).contains("batch-faults:", "p-drop:", "p-duplicate:", "p-reorder:", "p-corrupt:",
                "p-invalid-json:", "packing:", "tail-sigma:", "stall-probability:", "stall-ms:", "estimator: chars");
    }

    @Test
    void parse_batchFaults_everyKeyRead() {
        SimulatorConfig c = SimulatorConfig.parse(MINIMAL.replace("- name: d", "- name: d\n        batch-faults: "
                + "{p-drop: 0.1, p-duplicate: 0.2, p-reorder: 0.3, p-corrupt: 0.4, p-invalid-json: 0.5}"));
        assertThat(c.regions().get(0).deployments().get(0).batchFaults())
                .isEqualTo(new BatchFaults(0.1, 0.2, 0.3, 0.4, 0.5))
                .isEqualTo(BatchFaults.none().withPDrop(0.1).withPDuplicate(0.2).withPReorder(0.3).withPCorrupt(0.4)
                        .withPInvalidJson(0.5));
        SimulatorConfig partial = SimulatorConfig.parse(
                MINIMAL.replace("- name: d", "- name: d\n        batch-faults: {p-reorder: 1}"));
        assertThat(partial.regions().get(0).deployments().get(0).batchFaults())
                .isEqualTo(BatchFaults.none().withPReorder(1.0));
    }

    @Test
    void parse_badBatchFaults_messageNamesKeyPath() {
        String prefix = "regions[0].deployments[0].batch-faults";
        for (String key : new String[] {"p-drop", "p-duplicate", "p-reorder", "p-corrupt", "p-invalid-json"}) {
            assertThatThrownBy(() -> SimulatorConfig.parse(
                    MINIMAL.replace("- name: d", "- name: d\n        batch-faults: {" + key + ": 1.5}")))
                    .isInstanceOf(SimulatorConfigException.class)
                    .hasMessage(prefix + "." + key + " must be in [0, 1], got 1.5")
                    .extracting(e -> ((SimulatorConfigException) e).key())
                    .isEqualTo(prefix + "." + key);
            assertThatThrownBy(() -> SimulatorConfig.parse(
                    MINIMAL.replace("- name: d", "- name: d\n        batch-faults: {" + key + ": -0.1}")))
                    .hasMessage(prefix + "." + key + " must be in [0, 1], got -0.1");
        }
        assertThatThrownBy(() -> SimulatorConfig.parse(
                MINIMAL.replace("- name: d", "- name: d\n        batch-faults: {p-dropp: 0.5}")))
                .hasMessageStartingWith(prefix + ".p-dropp is not a known key");
        assertThatThrownBy(() -> SimulatorConfig.parse(
                MINIMAL.replace("- name: d", "- name: d\n        batch-faults: {p-corrupt: often}")))
                .hasMessage(prefix + ".p-corrupt must be a number, got \"often\"");
        assertThatThrownBy(() -> SimulatorConfig.parse(
                MINIMAL.replace("- name: d", "- name: d\n        batch-faults: 0.5")))
                .hasMessage(prefix + " must be a mapping of keys to values, got 0.5");
        assertThatThrownBy(() -> new BatchFaults(0, 0, 0, Double.NaN, 0))
                .hasMessage("p-corrupt must be in [0, 1], got NaN");
    }

    @Test
    void localDefault_threeRegions_matchTheLocalSetup() {
        SimulatorConfig c = SimulatorConfig.localDefault();
        assertThat(c.regions()).extracting(RegionConfig::name).containsExactly("swedencentral", "eastus", "westeurope");
        assertThat(c.regions()).extracting(r -> r.deployments().get(0).tpm()).containsExactly(450_000L, 150_000L, 60_000L);
        assertThat(c.regions()).extracting(r -> r.deployments().get(0).rpm()).containsExactly(2700L, 900L, 360L);
        assertThat(c.regions()).extracting(r -> r.latency().multiplier()).containsExactly(0.6, 1.0, 1.8);
        assertThat(c.regions()).allSatisfy(r -> {
            assertThat(r.deployments().get(0).name()).isEqualTo("gpt-4o-mini");
            assertThat(r.deployments().get(0).model()).isEqualTo("gpt-4o-mini-2024-07-18");
        });
        assertThat(c.timeScale()).isEqualTo(1.0);
        assertThat(c.apiKeys()).containsExactly("sim-key");
        assertThat(c.toString()).doesNotContain("sim-key");
    }

    @Test
    void parse_tpmZeroInSecondRegion_messageNamesKeyPath() {
        String yaml = """
                regions:
                  - name: a
                    deployments: [{name: d}]
                  - name: b
                    deployments:
                      - {name: d, tpm: 0}
                """;
        assertThatThrownBy(() -> SimulatorConfig.parse(yaml))
                .isInstanceOf(SimulatorConfigException.class)
                .hasMessage("regions[1].deployments[0].tpm must be > 0")
                .extracting(e -> ((SimulatorConfigException) e).key())
                .isEqualTo("regions[1].deployments[0].tpm");
    }

    @Test
    void parse_unknownKey_messageNamesKey() {
        String yaml = MINIMAL.replace("  - name: d", "  - name: d\n        tmp: 5");
        assertThatThrownBy(() -> SimulatorConfig.parse(yaml))
                .hasMessageStartingWith("regions[0].deployments[0].tmp is not a known key");
    }

    @Test
    void parse_wrongType_messageNamesKeyAndValue() {
        assertThatThrownBy(() -> SimulatorConfig.parse("time-scale: fast\n" + MINIMAL))
                .hasMessage("time-scale must be a number, got \"fast\"");
        assertThatThrownBy(() -> SimulatorConfig.parse(MINIMAL.replace("- name: a", "- name: a\n    port: x")))
                .hasMessageStartingWith("regions[0].port must be an integer");
    }

    @Test
    void parse_outOfRangeNested_messageNamesKeyPath() {
        assertThatThrownBy(() -> SimulatorConfig.parse(
                MINIMAL.replace("- name: a", "- name: a\n    latency: {tps: 0}")))
                .hasMessage("regions[0].latency.tps must be > 0, got 0.0");
        assertThatThrownBy(() -> SimulatorConfig.parse(
                MINIMAL.replace("- name: a", "- name: a\n    faults: [{from-s: 10, to-s: 20}, {p-500: 1.5}]")))
                .hasMessage("regions[0].faults[1].p-500 must be in [0, 1], got 1.5");
        assertThatThrownBy(() -> SimulatorConfig.parse(
                MINIMAL.replace("- name: d", "- name: d\n        body-style: loud")))
                .hasMessage("regions[0].deployments[0].body-style must be one of [legacy, short, rate-limit-reached],"
                        + " got \"loud\"");
        assertThatThrownBy(() -> SimulatorConfig.parse(
                MINIMAL.replace("- name: d", "- name: d\n        content-filter-pattern: \"[\"")))
                .hasMessageStartingWith("regions[0].deployments[0].content-filter-pattern is not a valid regular");
    }

    @Test
    void parse_estimatorNamesAndAlias_resolveProfiles() {
        for (String[] c : new String[][] {{"chars", "CHARS"}, {"gpt4o", "CHARS"}, {"gpt35", "GPT35"},
                {"tokenizer", "TOKENIZER"}}) {
            SimulatorConfig cfg = SimulatorConfig.parse(MINIMAL.replace("- name: d", "- name: d\n        estimator: "
                    + c[0]));
            assertThat(cfg.regions().get(0).deployments().get(0).estimator()).isEqualTo(CostEstimator.valueOf(c[1]));
        }
        assertThatThrownBy(() -> SimulatorConfig.parse(
                MINIMAL.replace("- name: d", "- name: d\n        estimator: exact")))
                .hasMessage("regions[0].deployments[0].estimator must be one of [chars, gpt4o, gpt35, tokenizer],"
                        + " got \"exact\"");
    }

    @Test
    void parse_missingOrDuplicate_messageNamesKey() {
        assertThatThrownBy(() -> SimulatorConfig.parse("seed: 1\n")).hasMessage("regions is required");
        assertThatThrownBy(() -> SimulatorConfig.parse("regions:\n  - name: a\n"))
                .hasMessage("regions[0].deployments is required");
        assertThatThrownBy(() -> SimulatorConfig.parse(MINIMAL + MINIMAL.substring("regions:\n".length())))
                .hasMessage("regions[1].name must be unique, 'a' appears twice");
    }

    @Test
    void load_file_parsesIt(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("sim.yaml");
        Files.writeString(file, "time-scale: 60\n" + MINIMAL);
        assertThat(SimulatorConfig.load(file).timeScale()).isEqualTo(60.0);
    }
}
