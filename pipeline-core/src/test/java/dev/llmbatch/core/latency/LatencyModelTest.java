package dev.llmbatch.core.latency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.llmbatch.core.config.HedgingSettings;
import dev.llmbatch.core.time.FakeTicker;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LatencyModelTest {
    private static final String D = "swedencentral/gpt-4o-mini";
    private final FakeTicker ticker = new FakeTicker();

    private static HedgingSettings settings(int minSamples, long minDelayMs, long halfLifeMs) {
        return new HedgingSettings(true, 0.95, minSamples, 0.03, 60_000, 4, minDelayMs, halfLifeMs);
    }

    private static Duration ms(double ms) {
        return Duration.ofNanos((long) (ms * 1e6));
    }

    @Test
    void hedgeAfter_fewerThanMinSamples_isEmpty() {
        LatencyModel m = new LatencyModel(settings(20, 0, 120_000), ticker);
        for (int i = 0; i < 19; i++) {
            m.record(D, ms(800), 100, 10);
        }
        assertThat(m.hedgeAfter(D, 100, 10)).isEmpty();
        assertThat(m.hedgeAfter("unknown", 100, 10)).isEmpty();

        m.record(D, ms(800), 100, 10);

        assertThat(m.hedgeAfter(D, 100, 10)).isPresent();
        assertThat(m.samples(D)).isEqualTo(20);
    }

    @Test
    void hedgeAfter_logNormalCallsOfManySizes_isTheQuantileForTheCallsSize() {
        // the simulator's model: (ttft + tokens / tps) * LogNormal(0, 0.5); the 95th percentile of the factor is
        // exp(1.645 * 0.5) = 2.28
        LatencyModel m = new LatencyModel(settings(20, 0, 3_600_000), ticker);
        SplittableRandom r = new SplittableRandom(11);
        for (int i = 0; i < 20_000; i++) {
            int tokens = 1 + r.nextInt(200);
            double factor = Math.exp(0.5 * r.nextGaussian());
            m.record(D, ms((600 + tokens * 12.5) * factor), 50, tokens);
            ticker.advance(Duration.ofMillis(10));
        }
        double p95Factor = Math.exp(1.645 * 0.5);
        // the fit is of the mean, so its line is exp(sigma^2 / 2) above the median's; the factor's quantile is read
        // against that line, so the product is the quantile of the calls of that size whatever the line's level
        for (int tokens : new int[] {1, 50, 200}) {
            double truth = (600 + tokens * 12.5) * p95Factor;
            double got = m.hedgeAfter(D, 50, tokens).orElseThrow().toNanos() / 1e6;
            assertThat(got).as("%d tokens", tokens).isCloseTo(truth, within(truth * 0.12));
        }
        LatencyModel.DeploymentLatency s = m.snapshot().get(D);
        assertThat(s.samples()).isEqualTo(20_000);
        assertThat(s.perOutputToken().toNanos() / 1e6).isCloseTo(12.5 * Math.exp(0.125), within(1.5));
        assertThat(s.fixed().toNanos() / 1e6).isCloseTo(600 * Math.exp(0.125), within(60.0));
        assertThat(s.answerP95()).isGreaterThan(s.answerP50());
        assertThat(s.perTokenP95()).isGreaterThan(s.perTokenP50());
    }

    @Test
    void hedgeAfter_generousMaxTokens_isCappedByTheAnswerLengthsTheDeploymentGave() {
        LatencyModel m = new LatencyModel(settings(20, 0, 3_600_000), ticker);
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < 2_000; i++) {
            int tokens = 40 + r.nextInt(21);
            m.record(D, ms(200 + tokens * 20.0), 50, tokens);
            ticker.advance(Duration.ofMillis(10));
        }
        Duration generous = m.hedgeAfter(D, 50, 4_000).orElseThrow();
        Duration fitting = m.hedgeAfter(D, 50, 60).orElseThrow();

        // answers take at most ~60 tokens here: a 4,000-token limit must not push the straggler time to 80 s
        assertThat(generous.toMillis()).isLessThan(2_000).isCloseTo(fitting.toMillis(), within(100L));
        assertThat(m.expected(D, 4_000, 0.95).orElseThrow()).isGreaterThan(Duration.ofSeconds(60));
        assertThat(m.hedgeAfter(D, 50, 10).orElseThrow()).as("a smaller limit still lowers it")
                .isLessThan(fitting);
    }

    @Test
    void hedgeAfter_allAnswersOfOneLength_isTheQuantileOfTheTimes() {
        LatencyModel m = new LatencyModel(settings(20, 0, 3_600_000), ticker);
        for (int i = 1; i <= 1_000; i++) {
            m.record(D, ms(i), 30, 2);
        }
        double got = m.hedgeAfter(D, 30, 2).orElseThrow().toNanos() / 1e6;
        assertThat(got).isBetween(950.0, 950.0 * 1.12);
    }

    @Test
    void hedgeAfter_belowMinDelay_isTheFloor() {
        LatencyModel m = new LatencyModel(settings(5, 500, 120_000), ticker);
        for (int i = 0; i < 50; i++) {
            m.record(D, ms(80), 30, 2);
        }
        assertThat(m.hedgeAfter(D, 30, 2)).contains(Duration.ofMillis(500));
        assertThat(m.expected(D, 2, 0.95).orElseThrow()).isLessThan(Duration.ofMillis(100));
    }

    @Test
    void hedgeAfter_deploymentSlowsDown_followsWithinAFewHalfLives() {
        LatencyModel m = new LatencyModel(settings(20, 0, 60_000), ticker);
        for (int i = 0; i < 600; i++) {
            m.record(D, ms(1_000), 30, 10);
            ticker.advance(Duration.ofSeconds(1));
        }
        assertThat(m.hedgeAfter(D, 30, 10).orElseThrow()).isLessThan(Duration.ofMillis(1_100));
        // five half-lives of calls four times slower: the old ones weigh 1/32 of the new, below the 5% tail
        for (int i = 0; i < 300; i++) {
            m.record(D, ms(4_000), 30, 10);
            ticker.advance(Duration.ofSeconds(1));
        }
        assertThat(m.hedgeAfter(D, 30, 10).orElseThrow()).isGreaterThan(Duration.ofMillis(3_900));
        assertThat(m.snapshot().get(D).answerP50()).isGreaterThan(Duration.ofMillis(3_900));
    }

    @Test
    void record_quietDeployment_decaysByTimeNotByCount() {
        LatencyModel m = new LatencyModel(settings(20, 0, 60_000), ticker);
        for (int i = 0; i < 1_000; i++) {
            m.record(D, ms(1_000), 30, 10);
        }
        ticker.advance(Duration.ofMinutes(10));
        for (int i = 0; i < 40; i++) {
            m.record(D, ms(3_000), 30, 10);
        }
        // 40 new answers outweigh 1,000 ten half-lives old (1000 / 1024 < 1)
        assertThat(m.snapshot().get(D).answerP50()).isGreaterThan(Duration.ofMillis(2_900));
    }

    @Test
    void record_decadesOfDecay_rescalesWithoutOverflow() {
        LatencyModel m = new LatencyModel(settings(20, 0, 1_000), ticker);
        for (int i = 0; i < 2_000; i++) {
            m.record(D, ms(700), 30, 5);
            ticker.advance(Duration.ofSeconds(1));
        }
        Duration d = m.hedgeAfter(D, 30, 5).orElseThrow();
        assertThat(d).isBetween(Duration.ofMillis(700), Duration.ofMillis(740));
        assertThat(m.snapshot().get(D).tailFactor()).isFinite();
    }

    @Test
    void recordUnfinished_stragglersGivenUp_stillCountAsStragglers() {
        LatencyModel m = new LatencyModel(settings(20, 0, 3_600_000), ticker);
        for (int i = 0; i < 90; i++) {
            m.record(D, ms(1_000), 30, 10);
        }
        Duration before = m.hedgeAfter(D, 30, 10).orElseThrow();
        for (int i = 0; i < 10; i++) {
            m.recordUnfinished(D, ms(30_000), 10);
        }
        // 10% of calls stalled and were given up: the 95th percentile is now one of them
        assertThat(m.hedgeAfter(D, 30, 10).orElseThrow()).isGreaterThan(before.multipliedBy(20));
        assertThat(m.samples(D)).isEqualTo(90);
        m.recordUnfinished("never-answered", ms(5_000), 10);
        assertThat(m.snapshot()).doesNotContainKey("never-answered");
    }

    @Test
    void snapshot_twoDeployments_eachOwnLatency() {
        LatencyModel m = new LatencyModel(settings(1, 0, 120_000), ticker);
        for (int i = 0; i < 100; i++) {
            m.record("fast", ms(300), 30, 5);
            m.record("slow", ms(1_600), 30, 5);
        }
        assertThat(m.snapshot().keySet()).containsExactly("fast", "slow");
        assertThat(m.snapshot().get("fast").answerP95()).isLessThan(Duration.ofMillis(320));
        assertThat(m.snapshot().get("slow").answerP50()).isGreaterThan(Duration.ofMillis(1_590));
    }

    @Test
    void decayingHistogram_memory_isFixedWhateverTheSamples() {
        DecayingHistogram h = new DecayingHistogram(1e-3, 3_600);
        int bins = h.bins();
        for (int i = 0; i < 100_000; i++) {
            h.add(i % 997 + 1, 1);
        }
        assertThat(h.bins()).isEqualTo(bins).isLessThan(400);
        double[] sorted = new double[100_000];
        for (int i = 0; i < sorted.length; i++) {
            sorted[i] = i % 997 + 1;
        }
        Arrays.sort(sorted);
        assertThat(h.quantile(0.9)).isBetween(sorted[89_999], sorted[89_999] * 1.05);
    }
}
