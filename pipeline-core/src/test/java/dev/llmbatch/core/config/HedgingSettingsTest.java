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
                .isInstanceOf(ConfigException.class).hasMessageContaining("hedging.quantile");
        assertThatThrownBy(() -> new HedgingSettings(true, 0.95, 0, 0.03, 60_000, 4, 500, 120_000))
                .isInstanceOf(ConfigException.class).hasMessageContaining("hedging.min-samples");
        assertThatThrownBy(() -> new HedgingSettings(true, 0.95, 20, -0.1, 60_000, 4, 500, 120_000))
                .isInstanceOf(ConfigException.class).hasMessageContaining("hedging.max-extra-token-share");
        assertThatThrownBy(() -> new HedgingSettings(true, 0.95, 20, 0.03, 999, 4, 500, 120_000))
                .isInstanceOf(ConfigException.class).hasMessageContaining("hedging.window-ms");
        assertThatThrownBy(() -> new HedgingSettings(true, 0.95, 20, 0.03, 60_000, 0, 500, 120_000))
                .isInstanceOf(ConfigException.class).hasMessageContaining("hedging.max-batch-items");
        assertThatThrownBy(() -> new HedgingSettings(true, 0.95, 20, 0.03, 60_000, 4, -1, 120_000))
                .isInstanceOf(ConfigException.class).hasMessageContaining("hedging.min-delay-ms");
        assertThatThrownBy(() -> new HedgingSettings(true, 0.95, 20, 0.03, 60_000, 4, 500, 10))
                .isInstanceOf(ConfigException.class).hasMessageContaining("hedging.half-life-ms");
    }
}
