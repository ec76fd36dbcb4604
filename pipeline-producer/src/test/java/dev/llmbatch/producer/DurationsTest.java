package dev.llmbatch.producer;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DurationsTest {

    @Test
    void format_variousLengths_isCompact() {
        assertThat(Durations.format(Duration.ZERO)).isEqualTo("0s");
        assertThat(Durations.format(Duration.ofMillis(300))).isEqualTo("1s");
        assertThat(Durations.format(Duration.ofSeconds(42))).isEqualTo("42s");
        assertThat(Durations.format(Duration.ofSeconds(185))).isEqualTo("3m05s");
        assertThat(Durations.format(Duration.ofMinutes(62))).isEqualTo("1h02m");
        assertThat(Durations.format(Duration.ofHours(51))).isEqualTo("2d03h");
    }

    @Test
    void formatElapsed_underAMinute_showsTenths() {
        assertThat(Durations.formatElapsed(Duration.ofMillis(12_340))).isEqualTo("12.3s");
        assertThat(Durations.formatElapsed(Duration.ofSeconds(75))).isEqualTo("1m15s");
    }

    @Test
    void formatRate_byMagnitude_usesSensiblePrecision() {
        assertThat(Durations.formatRate(0)).isEqualTo("0.00 jobs/s");
        assertThat(Durations.formatRate(0.25)).isEqualTo("0.25 jobs/s");
        assertThat(Durations.formatRate(41.66)).isEqualTo("41.7 jobs/s");
        assertThat(Durations.formatRate(4210.4)).isEqualTo("4,210 jobs/s");
        assertThat(Durations.formatRate(Double.NaN)).isEqualTo("0.00 jobs/s");
    }

    @Test
    void rate_countOverElapsed_perSecond() {
        assertThat(Durations.rate(50, Duration.ofSeconds(10))).isEqualTo(5.0);
        assertThat(Durations.rate(50, Duration.ZERO)).isZero();
    }

    @Test
    void eta_zeroRate_isUnknown() {
        assertThat(Durations.eta(100, 0)).isEmpty();
        assertThat(Durations.formatEta(Durations.eta(100, 0))).isEqualTo("unknown");
    }

    @Test
    void eta_positiveRate_isRemainingOverRate() {
        assertThat(Durations.eta(100, 4)).contains(Duration.ofSeconds(25));
        assertThat(Durations.eta(0, 0)).contains(Duration.ZERO);
        assertThat(Durations.formatEta(Durations.eta(1000, 2))).isEqualTo("8m20s");
        assertThat(Durations.formatEta(Optional.of(Duration.ofSeconds(3)))).isEqualTo("3s");
    }
}
