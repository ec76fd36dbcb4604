package dev.llmbatch.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class DurationConverterTest {

    @Test
    void parse_everyUnit_givesTheDuration() {
        assertThat(DurationConverter.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(DurationConverter.parse("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(DurationConverter.parse("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(DurationConverter.parse("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(DurationConverter.parse("1d")).isEqualTo(Duration.ofDays(1));
    }

    @Test
    void parse_compoundAndIso_giveTheDuration() {
        assertThat(DurationConverter.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(DurationConverter.parse("2m500ms")).isEqualTo(Duration.ofMillis(120_500));
        assertThat(DurationConverter.parse("PT5M")).isEqualTo(Duration.ofMinutes(5));
        assertThat(DurationConverter.parse(" 30S ")).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void parse_garbage_throwsNamingTheTextAndTheForms() {
        assertThatThrownBy(() -> DurationConverter.parse("5 minutes")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'5 minutes'").hasMessageContaining("500ms, 30s, 5m, 1h, 1d");
        assertThatThrownBy(() -> DurationConverter.parse("m")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DurationConverter.parse("10")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DurationConverter.parse("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DurationConverter.parse("PTx")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void parse_zeroOrNegative_throwsMustBePositive() {
        assertThatThrownBy(() -> DurationConverter.parse("0s")).hasMessageContaining("must be positive");
        assertThatThrownBy(() -> DurationConverter.parse("PT-5S")).hasMessageContaining("must be positive");
    }

    @Test
    void parse_overflow_throwsInsteadOfWrapping() {
        assertThatThrownBy(() -> DurationConverter.parse("99999999999999999999d"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DurationConverter.parse("9223372036854775807d"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void convert_garbage_throwsTypeConversionException() {
        assertThatThrownBy(() -> new DurationConverter().convert("soon"))
                .isInstanceOf(CommandLine.TypeConversionException.class).hasMessageContaining("'soon'");
    }
}
