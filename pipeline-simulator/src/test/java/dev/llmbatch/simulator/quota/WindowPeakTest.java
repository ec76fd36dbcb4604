package dev.llmbatch.simulator.quota;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.time.FakeTicker;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class WindowPeakTest {
    private final FakeTicker clock = new FakeTicker();

    @Test
    void peak_spreadAndBurst_isLargestSumInAnyWindow() {
        WindowPeak peak = new WindowPeak(Duration.ofSeconds(60));
        peak.record(clock.nanos(), 100);           // t=0
        clock.advance(Duration.ofSeconds(30));
        peak.record(clock.nanos(), 100);           // t=30: window (−30,30] = 200
        clock.advance(Duration.ofSeconds(30));
        peak.record(clock.nanos(), 50);            // t=60: t=0 expired -> 150
        assertThat(peak.peak()).isEqualTo(200);
        clock.advance(Duration.ofSeconds(1));
        peak.record(clock.nanos(), 200);           // t=61: 100 + 50 + 200 = 350
        assertThat(peak.peak()).isEqualTo(350);
        clock.advance(Duration.ofSeconds(200));
        assertThat(peak.current(clock.nanos())).isZero();
        assertThat(peak.peak()).isEqualTo(350);
    }

    @Test
    void peak_entriesExactlyOneWindowApart_neverShareAWindow() {
        WindowPeak peak = new WindowPeak(Duration.ofSeconds(10));
        for (int i = 0; i < 5; i++) {
            peak.record(clock.nanos(), 1);
            clock.advance(Duration.ofSeconds(10));
        }
        assertThat(peak.peak()).isEqualTo(1);
    }
}
