package dev.llmbatch.simulator.quota;

import java.time.Duration;

/**
 * A sliding window of timestamped amounts: an entry recorded at {@code t} counts while {@code now < t + window} and
 * expires at exactly {@code t + window}, so a window sum covers the half-open interval {@code (now - window, now]}.
 * This is the shape Azure OpenAI's quota windows were measured to have: capacity comes back exactly one window after
 * it was taken, entry by entry, not at a minute boundary.
 *
 * <p>Not thread-safe: confine an instance to one thread (the simulator uses one region's event-loop context).
 * Timestamps passed to {@link #add} must not decrease.
 */
public final class SlidingWindow {
    private final long windowNanos;
    private long[] times = new long[16];
    private long[] amounts = new long[16];
    private int head;
    private int size;
    private long sum;

    /** A window of the given length, which must be positive. */
    public SlidingWindow(Duration window) {
        if (window.isZero() || window.isNegative()) {
            throw new IllegalArgumentException("window must be positive, got " + window);
        }
        this.windowNanos = window.toNanos();
    }

    /** The window length in nanoseconds. */
    public long windowNanos() {
        return windowNanos;
    }

    /** Sum of the amounts still inside the window at {@code now}. */
    public long sum(long now) {
        expire(now);
        return sum;
    }

    /** Number of entries still inside the window at {@code now}. */
    public int count(long now) {
        expire(now);
        return size;
    }

    /** Records {@code amount} at {@code now}. */
    public void add(long now, long amount) {
        if (amount < 0) {
            throw new IllegalArgumentException("amount must be >= 0, got " + amount);
        }
        expire(now);
        if (size == times.length) {
            grow();
        }
        int tail = (head + size) % times.length;
        times[tail] = now;
        amounts[tail] = amount;
        size++;
        sum += amount;
    }

    /**
     * How long from {@code now} until entries worth at least {@code needed} have expired, oldest first: the time
     * until the oldest entries whose amounts add up to {@code needed} fall out of the window. Returns 0 when
     * {@code needed <= 0}, and {@link Long#MAX_VALUE} when even the whole window holds less than {@code needed}
     * (waiting cannot free that much).
     */
    public long nanosUntilFreed(long now, long needed) {
        expire(now);
        if (needed <= 0) {
            return 0;
        }
        long freed = 0;
        for (int i = 0; i < size; i++) {
            int idx = (head + i) % times.length;
            freed += amounts[idx];
            if (freed >= needed) {
                return times[idx] + windowNanos - now;
            }
        }
        return Long.MAX_VALUE;
    }

    private void expire(long now) {
        while (size > 0 && times[head] + windowNanos <= now) {
            sum -= amounts[head];
            head = (head + 1) % times.length;
            size--;
        }
    }

    private void grow() {
        long[] t = new long[times.length * 2];
        long[] a = new long[times.length * 2];
        for (int i = 0; i < size; i++) {
            int idx = (head + i) % times.length;
            t[i] = times[idx];
            a[i] = amounts[idx];
        }
        times = t;
        amounts = a;
        head = 0;
    }
}
