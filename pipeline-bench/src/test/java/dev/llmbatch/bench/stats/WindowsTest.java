package dev.llmbatch.bench.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class WindowsTest {

    @Test
    void steadyPartStartsAfterTheWarmupAndEndsAtTheRunsEnd() {
        Windows.Range r = Windows.steady(7, 60, 300, 1000);
        assertThat(r.from()).isEqualTo(67);
        assertThat(r.to()).isEqualTo(307);
        assertThat(r.seconds()).isEqualTo(240);
        assertThat(r.minutes()).isEqualTo(4.0);
    }

    @Test
    void steadyPartIsClippedToTheSeriesAndRefusedWhenEmpty() {
        assertThat(Windows.steady(0, 60, 300, 200)).isEqualTo(new Windows.Range(60, 200));
        assertThatThrownBy(() -> Windows.steady(0, 60, 300, 50)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void perMinuteRatioDividesTokensPerMinuteBySummedTpm() {
        // 4 minutes at 660,000 tokens/min of a 660,000 summed TPM = 1.0; 97% of it = 0.97
        Windows.Range r = new Windows.Range(60, 300);
        assertThat(Windows.perMinuteRatio(4 * 660_000L, r, 660_000)).isEqualTo(1.0);
        assertThat(Windows.perMinuteRatio((long) (4 * 660_000L * 0.97), r, 660_000)).isCloseTo(0.97, within(1e-9));
        assertThat(Windows.perMinuteRatio(1, r, 0)).isZero();
    }

    @Test
    void shareIsZeroWithoutRequests() {
        assertThat(Windows.share(5, 1000)).isEqualTo(0.005);
        assertThat(Windows.share(0, 0)).isZero();
    }

    @Test
    void recoveryIsTheFirstForwardWindowBackAtTheFraction() {
        // pre-storm 100/s; after restore at second 10: 0, 0, 50, 100, 100, ...
        long[] v = new long[40];
        for (int i = 0; i < 10; i++) {
            v[i] = 100;
        }
        v[12] = 50;
        for (int i = 13; i < 40; i++) {
            v[i] = 100;
        }
        SecondSeries s = new SecondSeries(0, v);
        assertThat(Windows.recoverySeconds(s, 10, 100, 0.9, 1, 40)).isEqualTo(3);
        // a 5 s window: [12, 17) averages (50 + 4 x 100) / 5 = 90, the first at >= 90% of 100
        assertThat(Windows.recoverySeconds(s, 10, 100, 0.9, 5, 40)).isEqualTo(2);
        assertThat(Windows.recoverySeconds(s, 10, 1000, 0.9, 5, 40)).isEqualTo(-1);
    }

    @Test
    void seriesSumsMeansAndMovingAverages() {
        SecondSeries a = SecondSeries.of(10, List.of(1L, 2L, 3L, 4L));
        SecondSeries b = SecondSeries.of(12, List.of(10L, 10L, 10L));
        assertThat(a.sum(0, 100)).isEqualTo(10);
        assertThat(a.sum(11, 13)).isEqualTo(5);
        assertThat(a.at(9)).isZero();
        assertThat(a.mean(10, 14)).isEqualTo(2.5);
        SecondSeries c = SecondSeries.plus(List.of(a, b));
        assertThat(c.firstSecond()).isEqualTo(10);
        assertThat(c.toList()).containsExactly(1L, 2L, 13L, 14L, 10L);
        assertThat(a.movingAverage(11, 14, 2)).containsExactly(1.5, 2.5, 3.5);
        assertThat(c.firstNonZero(0, 100)).isEqualTo(10);
    }
}
