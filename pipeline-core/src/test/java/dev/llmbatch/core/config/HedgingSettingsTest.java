package dev.llmbatch.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HedgingSettingsTest {

    @Test
    void defaults_areTheDocumentedOnes() {
        HedgingSettings d = HedgingSettings.DEFAULTS;
        assertThat(d.enabled()).isTrue();
        assertThat(d.quantile()).isEqualTo(0.95);
        assertThat(d.minSamples()).isEqualTo(20);
        assertThat(d.maxExtraTokenShare()).isEqualTo(0.03);
        assertThat(d.windowMs()).isEqualTo(60_000);
        assertThat(d.maxBatchItems()).isEqualTo(4);
        assertThat(d.minDelayMs()).isEqualTo(500);
        assertThat(d.halfLifeMs()).isEqualTo(120_000);
        assertThat(d.withEnabled(false).enabled()).isFalse();
    }

    @Test
    void constructor_badValue_throwsNamingTheKey() {
        assertThatThrownBy(() -> new HedgingSettings(true, 1.0, 20, 0.03, 60_000, 4, 500, 120_000))
                .isInstanceOf(ConfigException.class).hasMessageContaining("quantile");
        assertThatThrownBy(() -> new HedgingSettings(true, 0.95, 0, 0.03, 60_000, 4, 500, 120_000))
                .isInstanceOf(ConfigException.class).hasMessageContaining("min-samples");
        assertThatThrownBy(() -> new HedgingSettings(true, 0.95, 20, -0.1, 60_000, 4, 500, 120_000))
                .isInstanceOf(ConfigException.class).hasMessageContaining("max-extra-token-share");
        assertThatThrownBy(() -> new HedgingSettings(true, 0.95, 20, 0.03, 999, 4, 500, 120_000))
                .isInstanceOf(ConfigException.class).hasMessageContaining("window-ms");
        assertThatThrownBy(() -> new HedgingSettings(true, 0.95, 20, 0.03, 60_000, 0, 500, 120_000))
                .isInstanceOf(ConfigException.class).hasMessageContaining("max-batch-items");
        assertThatThrownBy(() -> new HedgingSettings(true, 0.95, 20, 0.03, 60_000, 4, -1, 120_000))
                .isInstanceOf(ConfigException.class).hasMessageContaining("min-delay-ms");
        assertThatThrownBy(() -> new HedgingSettings(true, 0.95, 20, 0.03, 60_000, 4, 500, 10))
                .isInstanceOf(ConfigException.class).hasMessageContaining("half-life-ms");
    }

    @Test
    void loaded_perPool_badValueNamesTheWholeKey_andUnsetKeysKeepTheDefaults() {
        String yaml = """
                models:
                  m:
                    encoding: o200k_base
                    hedging: {enabled: false, max-extra-token-share: 0.05}
                    deployments: [{region: r, endpoint: "https://r.example", deployment: d, api-key-env: K, tpm: 1000, rpm: 6}]
                """;
        HedgingSettings h = ConfigLoader.parse(yaml, java.util.Map.of()).models().get("m").hedging();
        assertThat(h.enabled()).isFalse();
        assertThat(h.maxExtraTokenShare()).isEqualTo(0.05);
        assertThat(h.quantile()).isEqualTo(HedgingSettings.DEFAULTS.quantile());
        assertThatThrownBy(() -> ConfigLoader.parse(yaml.replace("enabled: false", "quantile: 1.0"),
                java.util.Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("models.m.hedging.quantile");
    }
}
