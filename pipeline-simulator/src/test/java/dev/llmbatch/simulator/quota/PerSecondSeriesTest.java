package dev.llmbatch.simulator.quota;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PerSecondSeriesTest {

    @Test
    void values_gapsBetweenSeconds_areZeros() {
        PerSecondSeries series = new PerSecondSeries(10);
        series.add(0, 5);
        series.add(0, 1);
        series.add(3, 7);
        assertThat(series.firstSecond(4)).isZero();
        assertThat(series.values(4)).containsExactly(6L, 0L, 0L, 7L, 0L);
    }

    @Test
    void values_beyondCapacity_keepsOnlyTheLastSeconds() {
        PerSecondSeries series = new PerSecondSeries(3);
        for (int s = 0; s < 6; s++) {
            series.add(s, s + 1);
        }
        assertThat(series.firstSecond(5)).isEqualTo(3);
        assertThat(series.values(5)).containsExactly(4L, 5L, 6L);
        assertThat(series.values(7)).containsExactly(6L, 0L, 0L);
    }
}
