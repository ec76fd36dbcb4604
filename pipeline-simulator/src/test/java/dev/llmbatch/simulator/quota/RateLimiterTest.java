package dev.llmbatch.simulator.quota;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.time.FakeTicker;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
    private final FakeTicker clock = new FakeTicker();

    @Test
    void tryAcquire_burstOfWholeTpm_admittedThenRefusedUntilOldestExpires() {
        RateLimiter limiter = new RateLimiter(1000, 600, false, true);
        assertThat(limiter.tryAcquire(clock.nanos(), 400).admitted()).isTrue();
        clock.advance(Duration.ofSeconds(7));
        Decision second = limiter.tryAcquire(clock.nanos(), 600);
        assertThat(second.admitted()).isTrue();
        assertThat(second.remainingTokens()).isZero();

        clock.advance(Duration.ofSeconds(3));
        Decision refused = limiter.tryAcquire(clock.nanos(), 1);
        assertThat(refused.admitted()).isFalse();
        assertThat(refused.limitedBy()).isEqualTo(Decision.Limit.TOKENS);
        // the oldest entry (t = 0) returns at t = 60, 50 s from now
        assertThat(refused.retryAfterNanos()).isEqualTo(Duration.ofSeconds(50).toNanos());

        clock.advance(Duration.ofSeconds(50));
        assertThat(limiter.tryAcquire(clock.nanos(), 400).admitted()).isTrue();
        assertThat(limiter.tryAcquire(clock.nanos(), 1).admitted()).isFalse();
    }

    @Test
    void tryAcquire_refusal_recordsNothing() {
        RateLimiter limiter = new RateLimiter(100, 600, false, true);
        limiter.tryAcquire(clock.nanos(), 90);
        for (int i = 0; i < 5; i++) {
            assertThat(limiter.tryAcquire(clock.nanos(), 20).admitted()).isFalse();
        }
        assertThat(limiter.usedTokens(clock.nanos())).isEqualTo(90);
        assertThat(limiter.tryAcquire(clock.nanos(), 10).admitted()).isTrue();
    }

    @Test
    void tryAcquire_requestWindow_capsAtCeilRpmOverSixPerTenSeconds() {
        RateLimiter limiter = new RateLimiter(1_000_000, 61, false, true);
        assertThat(limiter.requestCap()).isEqualTo(11);
        for (int i = 0; i < 11; i++) {
            Decision d = limiter.tryAcquire(clock.nanos(), 1);
            assertThat(d.admitted()).isTrue();
            assertThat(d.remainingRequests()).isEqualTo(10 - i);
            clock.advance(Duration.ofMillis(500));
        }
        Decision refused = limiter.tryAcquire(clock.nanos(), 1);
        assertThat(refused.admitted()).isFalse();
        assertThat(refused.limitedBy()).isEqualTo(Decision.Limit.REQUESTS);
        // first request at t = 0 leaves the 10 s window at t = 10; now t = 5.5
        assertThat(refused.retryAfterNanos()).isEqualTo(Duration.ofMillis(4500).toNanos());
    }

    @Test
    void tryAcquire_oneSecondWindow_capsAtCeilRpmOverSixty() {
        RateLimiter limiter = new RateLimiter(1_000_000, 120, true, true);
        assertThat(limiter.tryAcquire(clock.nanos(), 1).admitted()).isTrue();
        assertThat(limiter.tryAcquire(clock.nanos(), 1).admitted()).isTrue();
        Decision refused = limiter.tryAcquire(clock.nanos(), 1);
        assertThat(refused.admitted()).isFalse();
        assertThat(refused.retryAfterNanos()).isEqualTo(Duration.ofSeconds(1).toNanos());
    }

    @Test
    void tryAcquire_bothLimitsExceeded_reportsTheLargerWait() {
        RateLimiter limiter = new RateLimiter(100, 6, false, true);
        assertThat(limiter.tryAcquire(clock.nanos(), 100).admitted()).isTrue();
        clock.advance(Duration.ofSeconds(1));
        Decision refused = limiter.tryAcquire(clock.nanos(), 1);
        assertThat(refused.limitedBy()).isEqualTo(Decision.Limit.TOKENS);
        assertThat(refused.retryAfterNanos()).isEqualTo(Duration.ofSeconds(59).toNanos());
    }

    @Test
    void tryAcquire_oversizeWithRejectOversize_refusedWithSixtySeconds() {
        RateLimiter limiter = new RateLimiter(100, 600, false, true);
        Decision refused = limiter.tryAcquire(clock.nanos(), 101);
        assertThat(refused.admitted()).isFalse();
        assertThat(refused.limitedBy()).isEqualTo(Decision.Limit.TOKENS);
        assertThat(refused.retryAfterNanos()).isEqualTo(Duration.ofSeconds(60).toNanos());
    }

    @Test
    void tryAcquire_oversizeWithoutRejectOversize_admittedIntoEmptyWindowOnly() {
        RateLimiter limiter = new RateLimiter(100, 600, false, false);
        limiter.tryAcquire(clock.nanos(), 10);
        clock.advance(Duration.ofSeconds(20));
        Decision refused = limiter.tryAcquire(clock.nanos(), 150);
        assertThat(refused.admitted()).isFalse();
        assertThat(refused.retryAfterNanos()).isEqualTo(Duration.ofSeconds(40).toNanos());
        clock.advance(Duration.ofSeconds(40));
        assertThat(limiter.tryAcquire(clock.nanos(), 150).admitted()).isTrue();
    }

    @Test
    void setLimits_lowerTpm_appliesToEntriesAlreadyInWindow() {
        RateLimiter limiter = new RateLimiter(1000, 600, false, true);
        limiter.tryAcquire(clock.nanos(), 500);
        limiter.setLimits(400, 600);
        Decision refused = limiter.tryAcquire(clock.nanos(), 1);
        assertThat(refused.admitted()).isFalse();
        assertThat(refused.remainingTokens()).isZero();
    }
}
