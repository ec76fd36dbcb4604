package dev.llmbatch.simulator.quota;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.time.FakeTicker;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SlidingWindowTest {
    private final FakeTicker clock = new FakeTicker();
    private final SlidingWindow window = new SlidingWindow(Duration.ofSeconds(60));

    @Test
    void sum_entryAtExactlyWindowLength_hasExpired() {
        window.add(clock.nanos(), 100);
        clock.advance(Duration.ofSeconds(60).minusNanos(1));
        assertThat(window.sum(clock.nanos())).isEqualTo(100);
        clock.advance(Duration.ofNanos(1));
        assertThat(window.sum(clock.nanos())).isZero();
        assertThat(window.count(clock.nanos())).isZero();
    }

    @Test
    void nanosUntilFreed_needsSeveralEntries_waitsForTheLastOfThem() {
        window.add(clock.nanos(), 10);
        clock.advance(Duration.ofSeconds(5));
        window.add(clock.nanos(), 20);
        clock.advance(Duration.ofSeconds(5));
        window.add(clock.nanos(), 30);
        long now = clock.nanos();
        assertThat(window.nanosUntilFreed(now, 10)).isEqualTo(Duration.ofSeconds(50).toNanos());
        assertThat(window.nanosUntilFreed(now, 11)).isEqualTo(Duration.ofSeconds(55).toNanos());
        assertThat(window.nanosUntilFreed(now, 60)).isEqualTo(Duration.ofSeconds(60).toNanos());
        assertThat(window.nanosUntilFreed(now, 61)).isEqualTo(Long.MAX_VALUE);
        assertThat(window.nanosUntilFreed(now, 0)).isZero();
    }

    @Test
    void add_manyEntries_growsAndKeepsOrder() {
        for (int i = 0; i < 1000; i++) {
            window.add(clock.nanos(), 1);
            clock.advance(Duration.ofMillis(100));
        }
        // now = 100 s; entries at 40.1 s .. 99.9 s are inside (t + 60 > 100)
        assertThat(window.sum(clock.nanos())).isEqualTo(599);
    }
}
