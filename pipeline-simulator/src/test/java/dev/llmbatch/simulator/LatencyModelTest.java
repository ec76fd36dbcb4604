package dev.llmbatch.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LatencyModelTest {

    @Test
    void e2eMs_noSpread_sumsTheTerms() {
        LatencyConfig c = new LatencyConfig(20, 600, 50, 80, 0, 0, 0.5, 1.0, 0);
        double ms = LatencyModel.e2eMs(c, new SplittableRandom(1), 2000, 40, 0.0, 1.0);
        assertThat(ms).isCloseTo(20 + 600 + 100 + 500, within(1e-9));
        double loaded = LatencyModel.e2eMs(c, new SplittableRandom(1), 2000, 40, 1.0, 1.0);
        assertThat(loaded).isCloseTo(20 + 600 + 100 + 750, within(1e-9));
    }

    @Test
    void e2eMs_sameSeed_regionMultiplierScalesExactly() {
        LatencyConfig fast = new LatencyConfig(20, 600, 50, 80, 0.35, 0.3, 0.5, 0.6, 0);
        LatencyConfig slow = new LatencyConfig(20, 600, 50, 80, 0.35, 0.3, 0.5, 1.8, 0);
        double a = LatencyModel.e2eMs(fast, new SplittableRandom(7), 100, 10, 0.2, 1.0);
        double b = LatencyModel.e2eMs(slow, new SplittableRandom(7), 100, 10, 0.2, 2.0);
        assertThat(b / a).isCloseTo(6.0, within(1e-9));
    }

    @Test
    void e2eMs_pSlowOne_multipliesByThreeToTen() {
        LatencyConfig base = new LatencyConfig(100, 0, 0, 1e12, 0, 0, 0, 1, 0);
        LatencyConfig tail = new LatencyConfig(100, 0, 0, 1e12, 0, 0, 0, 1, 1.0);
        SplittableRandom rnd = new SplittableRandom(3);
        for (int i = 0; i < 100; i++) {
            double ms = LatencyModel.e2eMs(tail, rnd, 0, 1, 0, 1);
            assertThat(ms).isBetween(300.0, 1000.0);
        }
        assertThat(LatencyModel.e2eMs(base, rnd, 0, 1, 0, 1)).isCloseTo(100.0, within(1e-6));
    }

    private static final LatencyConfig FLAT = new LatencyConfig(100, 0, 0, 1e12, 0, 0, 0, 1, 0);

    @Test
    void sample_tailKnobsOff_sameDrawsAsBefore() {
        LatencyConfig c = new LatencyConfig(20, 600, 50, 80, 0.35, 0.3, 0.5, 1.0, 0.1);
        SplittableRandom a = new SplittableRandom(11);
        SplittableRandom b = new SplittableRandom(11);
        for (int i = 0; i < 100; i++) {
            double ms = LatencyModel.e2eMs(c, a, 100, 20, 0.3, 1.0);
            double ttft = 600 * Math.exp(0.35 * b.nextGaussian());
            double tps = 80 * Math.exp(0.3 * b.nextGaussian()) / (1 + 0.5 * 0.3);
            double expected = 20 + ttft + 5 + 20 * 1000.0 / tps;
            if (b.nextDouble() < 0.1) {
                expected *= 3 + 7 * b.nextDouble();
            }
            assertThat(ms).isCloseTo(expected, within(1e-9));
        }
    }

    @Test
    void sample_tailSigma_medianKeptAndP99OverP50AsLogNormal() {
        LatencyConfig c = FLAT.withTail(0.8, 0, 1);
        SplittableRandom rnd = new SplittableRandom(5);
        double[] ms = new double[40_000];
        for (int i = 0; i < ms.length; i++) {
            ms[i] = LatencyModel.sample(c, rnd, 0, 1, 0, 1).ms();
        }
        Arrays.sort(ms);
        double p50 = ms[ms.length / 2];
        double p99 = ms[ms.length * 99 / 100];
        assertThat(p50).isCloseTo(100, within(3.0));
        assertThat(p99 / p50).isCloseTo(Math.exp(2.326 * 0.8), within(0.5));      // 6.4
    }

    @Test
    void sample_stallProbabilityOne_addsStallMsUnscaledAndSaysSo() {
        LatencyConfig c = new LatencyConfig(100, 0, 0, 1e12, 0, 0, 0, 2.0, 0).withTail(0, 1.0, 30_000);
        LatencyModel.Sample s = LatencyModel.sample(c, new SplittableRandom(1), 0, 1, 0, 3.0);
        assertThat(s.stalled()).isTrue();
        assertThat(s.ms()).isCloseTo(100 * 2.0 * 3.0 + 30_000, within(1e-6));
    }

    @Test
    void sample_stallProbabilitySmall_seededShareOfCallsStall() {
        LatencyConfig c = FLAT.withTail(0, 0.05, 10_000);
        int[] stalled = new int[2];
        for (int run = 0; run < 2; run++) {
            SplittableRandom rnd = new SplittableRandom(99);
            for (int i = 0; i < 20_000; i++) {
                LatencyModel.Sample s = LatencyModel.sample(c, rnd, 0, 1, 0, 1);
                stalled[run] += s.stalled() ? 1 : 0;
                assertThat(s.ms()).isCloseTo(s.stalled() ? 10_100 : 100, within(1e-6));
            }
        }
        assertThat(stalled[0]).as("same seed, same stalls").isEqualTo(stalled[1]);
        assertThat(stalled[0] / 20_000.0).isCloseTo(0.05, within(0.006));
    }
}
