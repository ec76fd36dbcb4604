package dev.llmbatch.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

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
}
