package dev.llmbatch.bench.baseline;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LeakyBucketTest {
    private static final long S = 1_000_000_000L;

    @Test
    void lets_requests_out_at_the_token_rate_without_burst() {
        LeakyBucket b = new LeakyBucket(1000, 1000); // 1000 tokens/s
        long now = 5 * S;
        for (int i = 0; i < 10; i++) {
            assertThat(b.reserve(now, 500)).isEqualTo(now + i * S / 2);
        }
    }

    @Test
    void requestRateBindsWhenRequestsAreSmall() {
        LeakyBucket b = new LeakyBucket(1_000_000, 2); // 2 requests/s
        assertThat(b.reserve(0, 10)).isZero();
        assertThat(b.reserve(0, 10)).isEqualTo(S / 2);
        assertThat(b.reserve(0, 10)).isEqualTo(S);
    }

    @Test
    void idleTimeIsNotSavedUp() {
        LeakyBucket b = new LeakyBucket(1000, 1000);
        b.reserve(0, 1000);
        // a minute later the next request leaves at once, and the one after waits its full interval
        assertThat(b.reserve(60 * S, 1000)).isEqualTo(60 * S);
        assertThat(b.reserve(60 * S, 1000)).isEqualTo(61 * S);
    }

    @Test
    void seventyFivePercentOfAQuotaAdmitsSeventyFivePercentPerMinute() {
        // 450K TPM / 2700 RPM at 75%: over 10 simulated minutes of 1,250-token requests sent as early as allowed
        LeakyBucket b = LeakyBucket.atFractionOf(450_000, 2_700, 0.75);
        long tokens = 0;
        long t = 0;
        while (true) {
            long at = b.reserve(t, 1250);
            if (at >= 600 * S) {
                break;
            }
            tokens += 1250;
            t = at;
        }
        double perMinute = tokens / 10.0;
        assertThat(perMinute / 450_000).isBetween(0.749, 0.751);
        // and never more than the rate plus one request in any minute
        assertThat(b.tokensPerSecond()).isEqualTo(0.75 * 450_000 / 60);
    }
}
