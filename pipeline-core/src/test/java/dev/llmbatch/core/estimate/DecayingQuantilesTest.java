package dev.llmbatch.core.estimate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DecayingQuantilesTest {

    @Test
    void quantile_uniformSamples_isWithinFivePercentAboveTheTruth() {
        DecayingQuantiles q = new DecayingQuantiles(1, 100_000, 1_000_000);
        for (int v = 1; v <= 1_000; v++) {
            q.add(v);
        }
        assertThat(q.quantile(0.5)).isBetween(500.0, 525.0);
        assertThat(q.quantile(0.99)).isBetween(990.0, 1_040.0);
    }

    @Test
    void quantile_distributionShifts_followsTheNewOneWithinAFewHalfLives() {
        DecayingQuantiles q = new DecayingQuantiles(1, 100_000, 200);
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 5_000; i++) {
            q.add(100 + r.nextInt(10));
        }
        assertThat(q.quantile(0.99)).isLessThan(120);
        for (int i = 0; i < 2_000; i++) {
            q.add(1_000 + r.nextInt(10));
        }
        assertThat(q.quantile(0.5)).isGreaterThan(1_000);
    }

    @Test
    void add_manySamples_rescalesWithoutOverflow() {
        DecayingQuantiles q = new DecayingQuantiles(1, 1_000, 10);
        for (int i = 0; i < 100_000; i++) {
            q.add(50);
        }
        assertThat(q.quantile(0.99)).isBetween(50.0, 53.0);
        assertThat(q.samples()).isEqualTo(100_000);
    }

    @Test
    void snapshot_restoredIntoAFreshEstimator_givesTheSameQuantiles() {
        DecayingQuantiles q = new DecayingQuantiles(0.001, 1_000, 500);
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < 3_000; i++) {
            q.add(0.5 + r.nextDouble());
        }
        DecayingQuantiles copy = new DecayingQuantiles(0.001, 1_000, 500);

        assertThat(copy.restore(q.snapshot())).isTrue();

        assertThat(copy.quantile(0.9)).isEqualTo(q.quantile(0.9));
        assertThat(copy.samples()).isEqualTo(3_000);
        assertThat(new DecayingQuantiles(1, 10, 5).restore(q.snapshot())).as("other shape").isFalse();
    }

    @Test
    void quantile_noSamples_isNaN() {
        assertThat(new DecayingQuantiles(1, 10, 5).quantile(0.5)).isNaN();
    }
}
