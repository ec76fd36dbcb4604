package dev.llmbatch.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigBuilderTest {
    private static ConfigBuilder minimal() {
        return PipelineConfig.builder().pool("m", "o200k_base")
                .deployment("m", "eastus", "http://127.0.0.1:1", "d", "K", 1_000, 6);
    }

    @Test
    void build_sameAsLoadingItsYaml() {
        ConfigBuilder b = minimal().set("kafka.group", "g").set("worker.time-scale", 20)
                .set("kafka.properties", Map.of("security.protocol", "SSL"))
                .set("models.m.batching.max-items", 4).task("t", "Do it.", 5, true);

        assertThat(b.build()).isEqualTo(ConfigLoader.parse(b.toYaml(), Map.of()));
        assertThat(b.build().kafka().properties()).containsEntry("security.protocol", "SSL");
        assertThat(b.build().models().get("m").batching().maxItems()).isEqualTo(4);
        assertThat(b.build().models().get("m").batching().maxBatchTokens())
                .isEqualTo(BatchSettings.DEFAULTS.maxBatchTokens());
    }

    @Test
    void set_listIndex_changesOneDeploymentAndAppends() {
        PipelineConfig c = minimal().set("models.m.deployments[0].tpm", 5_000)
                .deployment("m", "westus", "http://127.0.0.1:2", "d", "K", 2_000, 12).build();

        assertThat(c.models().get("m").deployments()).extracting(DeploymentConfig::tpm).containsExactly(5_000L, 2_000L);
    }

    @Test
    void build_misspeltKey_namesItsPathAndTheKnownKeys() {
        assertThatThrownBy(() -> minimal().set("worker.max-in-flite", 3).build())
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("worker.max-in-flite is not a known key; known keys here: [")
                .hasMessageContaining("max-in-flight");
    }

    @Test
    void copy_isIndependent() {
        ConfigBuilder base = minimal();
        ConfigBuilder other = base.copy().set("worker.max-attempts", 2);

        assertThat(base.build().worker().maxAttempts()).isEqualTo(6);
        assertThat(other.build().worker().maxAttempts()).isEqualTo(2);
    }

    @Test
    void toYaml_holdsOnlyWhatWasSet() {
        assertThat(minimal().toYaml()).doesNotContain("kafka", "worker").contains("encoding: o200k_base");
    }

    @Test
    void envOverride_ofAPoolDefault_takesEffect() {
        PipelineConfig c = minimal().build(Map.of("PIPELINE_MODELS_M_CONTEXT_WINDOW", "64000",
                "PIPELINE_MODELS_M_DEPLOYMENTS_0_PRIORITY", "2"));

        assertThat(c.models().get("m").contextWindow()).isEqualTo(64_000);
        assertThat(c.models().get("m").deployments().get(0).priority()).isEqualTo(2);
    }

    @Test
    void taskAdaptive_partial_keepsTheDefaultsForTheRest() {
        PipelineConfig c = minimal().task("t", "Do it.", 5, true).set("tasks.t.adaptive-max-tokens.quantile", 0.9)
                .build();

        assertThat(c.tasks().get("t").adaptiveMaxTokens()).isEqualTo(new AdaptiveMaxTokens(true, 0.9, 0.1, 50));
        assertThat(minimal().task("t", "Do it.", 5, true).build().tasks().get("t").adaptiveMaxTokens()).isNull();
    }

    @Test
    void build_wrongShape_namesThePathAndTheValue() {
        assertThatThrownBy(() -> minimal().set("models.m.batching", 5).build())
                .hasMessage("models.m.batching must be a mapping of keys to values, got 5");
        assertThatThrownBy(() -> minimal().set("models.m.deployments", List.of("x")).build())
                .hasMessage("models.m.deployments[0] must be a mapping of keys to values, got \"x\"");
        assertThatThrownBy(() -> minimal().set("worker.max-attempts", 1.5).build())
                .hasMessage("worker.max-attempts must be an integer, got 1.5");
    }

    @Test
    void build_poolNamedInside_isRefused() {
        assertThatThrownBy(() -> minimal().set("models.m.name", "x").build())
                .hasMessageStartingWith("models.m.name is not a known key");
    }

    @Test
    void defaults_constantsComeFromTheDefaultsFile() {
        assertThat(BatchSettings.DEFAULTS).isEqualTo(new BatchSettings(true, 16, 4096, java.time.Duration.ofMillis(30),
                256, false));
        assertThat(AdaptiveMaxTokens.DEFAULTS).isEqualTo(new AdaptiveMaxTokens(true, 0.99, 0.1, 50));
        assertThat(Calibration.DEFAULTS).isEqualTo(new Calibration(true, 50));
    }
}
