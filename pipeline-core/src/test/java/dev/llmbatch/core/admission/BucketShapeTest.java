package dev.llmbatch.core.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class BucketShapeTest {
    private static final long[] LIMITS = {1, 2, 3, 10, 450, 10_000, 450_000};
    private static final double[] BURSTS = {0.001, 0.02, 0.5, 0.9};
    private static final Duration[] MARGINS = {Duration.ZERO, Duration.ofMillis(250), Duration.ofSeconds(2)};
    private static final Duration[] WINDOWS = {Duration.ofSeconds(60), Duration.ofSeconds(10)};
    private static final long[] MIN_BURSTS = {1, 5_000, 1_000_000};

    static Stream<Arguments> shapes() {
        List<Arguments> out = new ArrayList<>();
        for (long limit : LIMITS) {
            for (double burst : BURSTS) {
                for (Duration margin : MARGINS) {
                    for (Duration window : WINDOWS) {
                        for (long minBurst : MIN_BURSTS) {
                            out.add(Arguments.of(limit, window, burst, minBurst, margin));
                        }
                    }
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "limit={0} window={1} burst={2} minBurst={3} margin={4}")
    @MethodSource("shapes")
    void of_anyLimitAndParameters_neverAdmitsMoreThanLimitPerWindow(long limit, Duration window, double burst,
            long minBurst, Duration margin) {
        BucketShape s = BucketShape.of(limit, window, burst, minBurst, margin);

        assertThat(s.refillPeriod()).isEqualTo(window.plus(margin));
        BigInteger period = BigInteger.valueOf(s.refillPeriod().toNanos());
        BigInteger w = BigInteger.valueOf(window.toNanos());
        // capacity + refillTokens * window / period, compared exactly (scaled by period).
        BigInteger admittedPerWindowScaled = BigInteger.valueOf(s.capacity()).multiply(period)
                .add(BigInteger.valueOf(s.refillTokens()).multiply(w));
        if (limit >= 2) {
            assertThat(admittedPerWindowScaled).isLessThanOrEqualTo(BigInteger.valueOf(limit).multiply(period));
            assertThat(s.capacity()).isLessThanOrEqualTo(limit / 2);
            assertThat(s.capacity() + s.refillTokens()).isEqualTo(limit);
            long wanted = Math.max((long) Math.ceil(burst * limit), minBurst);
            assertThat(s.capacity()).isEqualTo(Math.min(wanted, limit / 2));
        } else {
            // A bucket of one that refills one token per (window + margin): whole requests only, so at most
            // floor(1 + window/period) = 1 per window when margin > 0, and exactly one per window when it is 0.
            assertThat(s.capacity()).isEqualTo(1);
            assertThat(s.refillTokens()).isEqualTo(1);
            assertThat(s.refillPeriod()).isGreaterThanOrEqualTo(window);
        }
    }

    @Test
    void of_minBurstBelowHalfLimit_isTheCapacity() {
        BucketShape s = BucketShape.of(450_000, Duration.ofSeconds(60), 0.02, 50_000, Duration.ofMillis(250));

        assertThat(s.capacity()).isEqualTo(50_000);
        assertThat(s.refillTokens()).isEqualTo(400_000);
    }

    @Test
    void of_minBurstAboveHalfLimit_isClampedToHalf() {
        BucketShape s = BucketShape.of(10_000, Duration.ofSeconds(60), 0.02, 9_000, Duration.ZERO);

        assertThat(s.capacity()).isEqualTo(5_000);
        assertThat(s.refillTokens()).isEqualTo(5_000);
    }

    @Test
    void of_burstFractionAboveMinBurst_usesFraction() {
        BucketShape s = BucketShape.of(450_000, Duration.ofSeconds(60), 0.02, 1, Duration.ZERO);

        assertThat(s.capacity()).isEqualTo(9_000);
    }

    @Test
    void sustainedPerMinute_defaultShape_isRefillOverWindowPlusMargin() {
        BucketShape s = BucketShape.of(450_000, Duration.ofSeconds(60), 0.02, 1, Duration.ofMillis(250));

        assertThat(s.sustainedPerMinute()).isCloseTo(441_000 * 60.0 / 60.25, within(1e-6));
        assertThat(s.sustainedPerMinute()).isGreaterThan(0.97 * 450_000).isLessThan(450_000);
    }

    @Test
    void sustainedPerMinute_requestWindowOfTenSeconds_scalesToAMinute() {
        BucketShape s = BucketShape.of(450, Duration.ofSeconds(10), 0.02, 1, Duration.ZERO);

        assertThat(s.sustainedPerMinute()).isCloseTo((450 - 9) * 6.0, within(1e-9));
    }

    @Test
    void of_limitBelowOne_throws() {
        assertThatThrownBy(() -> BucketShape.of(0, Duration.ofSeconds(60), 0.02, 1, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void constructor_zeroPeriod_throws() {
        assertThatThrownBy(() -> new BucketShape(1, 1, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }
}
