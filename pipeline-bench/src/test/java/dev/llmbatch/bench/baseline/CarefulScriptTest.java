package dev.llmbatch.bench.baseline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Pure parts of the careful-script baseline on a fake clock (plain nanosecond values, no sleeping). */
class CarefulScriptTest {
    private static final long S = 1_000_000_000L;

    @Test
    void bucketStartsFullRefillsAtRateAndCapsAtCapacity() {
        TokenBucket b = new TokenBucket(2000, 1000); // 60,000 TPM, 2 s worth
        long t = 5 * S;
        assertEquals(2000, b.room(t), 1e-9);
        assertEquals(0, b.waitNanos(t, 1500));
        b.take(t, 1500);
        assertEquals(500, b.room(t), 1e-9);
        // 1,000 more tokens need 1 s at 1,000/s
        assertEquals(S, b.waitNanos(t, 1500));
        assertEquals(1000, b.room(t + S / 2), 1e-6);
        assertEquals(0, b.waitNanos(t + S, 1500));
        assertEquals(2000, b.room(t + 60 * S), 1e-9); // capped
    }

    @Test
    void bucketSustainsExactlyItsRate() {
        TokenBucket b = new TokenBucket(2000, 1000);
        long now = 0;
        long sent = 0;
        while (now < 60 * S) {
            long w = b.waitNanos(now, 500);
            now += w;
            if (now >= 60 * S) {
                break;
            }
            b.take(now, 500);
            sent += 500;
        }
        // 60 s at 1,000/s plus the initial 2,000
        assertTrue(sent <= 62_000 && sent >= 61_500, "sent " + sent);
    }

    @Test
    void costAboveCapacityWaitsForFullBucketAndGoesNegative() {
        TokenBucket b = new TokenBucket(1000, 1000);
        assertEquals(0, b.waitNanos(0, 3000));
        b.take(0, 3000);
        assertEquals(-2000, b.room(0), 1e-9);
        assertEquals(3 * S, b.waitNanos(0, 3000));
    }

    @Test
    void choosesSoonestThenMostRoom() {
        TokenBucket small = new TokenBucket(2000, 1000);
        TokenBucket big = new TokenBucket(15000, 7500);
        long[] next = {Long.MIN_VALUE, Long.MIN_VALUE};
        List<TokenBucket> bs = List.of(small, big);
        assertArrayEquals(new long[] {1, 0}, CarefulScriptClient.choose(bs, next, 0, 1000));
        big.take(0, 14_500); // big has 500 left, small 2,000
        assertArrayEquals(new long[] {0, 0}, CarefulScriptClient.choose(bs, next, 0, 1000));
        next[0] = S / 10; // small's RPM spacing blocks it for 100 ms; big needs 500 / 7500 s = 66.7 ms
        long[] c = CarefulScriptClient.choose(bs, next, 0, 1000);
        assertEquals(1, c[0]);
        assertEquals((long) Math.ceil(500 / 7500.0 * 1e9), c[1]);
    }

    @Test
    void retryDelayHonoursHeadersThenBacksOffExponentially() {
        assertEquals(1234, RetryPolicy.delayMs(1234, 7, 0)); // retry-after-ms first
        assertEquals(7000, RetryPolicy.delayMs(-1, 7, 0)); // then retry-after seconds
        assertEquals(500, RetryPolicy.delayMs(-1, -1, 0));
        assertEquals(1000, RetryPolicy.delayMs(-1, -1, 1));
        assertEquals(8000, RetryPolicy.delayMs(-1, -1, 5)); // capped
        assertEquals(500, RetryPolicy.delayMs(0, -1, 0)); // a zero hint is not a hint
        assertEquals(1000, RetryPolicy.delayMs(-1, 120, 1)); // unreasonable hint: back off instead
        assertEquals(2, RetryPolicy.MAX_RETRIES);
    }

    @Test
    void retriesOnlyWhatTheSdkRetries() {
        assertTrue(RetryPolicy.retryable(429));
        assertTrue(RetryPolicy.retryable(503));
        assertTrue(RetryPolicy.retryable(0));
        assertFalse(RetryPolicy.retryable(400));
        assertFalse(RetryPolicy.retryable(200));
    }
}
