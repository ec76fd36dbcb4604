package dev.llmbatch.bench.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PercentilesTest {

    @Test
    void nearestRankOnOneToHundred() {
        long[] v = new long[100];
        for (int i = 0; i < 100; i++) {
            v[i] = 100 - i; // unsorted input
        }
        Percentiles p = Percentiles.of(v);
        assertThat(p.percentile(50)).isEqualTo(50);
        assertThat(p.percentile(99)).isEqualTo(99);
        assertThat(p.percentile(100)).isEqualTo(100);
        assertThat(p.percentile(0.5)).isEqualTo(1);
        assertThat(p.min()).isEqualTo(1);
        assertThat(p.max()).isEqualTo(100);
        assertThat(p.mean()).isEqualTo(50.5);
    }

    @Test
    void smallSamplesRoundTheRankUp() {
        Percentiles p = Percentiles.of(new long[] {10, 20, 30});
        assertThat(p.percentile(50)).isEqualTo(20);
        assertThat(p.percentile(99)).isEqualTo(30);
        assertThat(p.percentile(33)).isEqualTo(10);
        assertThat(p.percentile(34)).isEqualTo(20);
    }

    @Test
    void emptyAndInvalid() {
        assertThat(Percentiles.of(new long[0]).percentile(99)).isNaN();
        assertThatThrownBy(() -> Percentiles.of(new long[] {1}).percentile(0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sortedIsACopy() {
        Percentiles p = Percentiles.of(new long[] {3, 1, 2});
        double[] s = p.sorted();
        s[0] = 99;
        assertThat(p.sorted()).containsExactly(1, 2, 3);
    }
}
