package dev.llmbatch.simulator.quota;

import java.time.Duration;

/**
 * Tracks the largest sum ever seen in a sliding window (for example "the most tokens admitted in any 60 s"), for
 * the statistics that let a test prove a client never pushed a region past its quota. Kept separate from the
 * limiter's own windows on purpose, so the statistic checks the limiter rather than repeating it.
 *
 * <p>A window sum only rises when an amount is recorded, so evaluating the sum right after each record finds the
 * maximum over every window position {@code (t - window, t]}.
 *
 * <p>Not thread-safe: confine to one thread.
 */
public final class WindowPeak {
    private final SlidingWindow window;
    private long peak;

    /** A tracker over windows of the given length. */
    public WindowPeak(Duration window) {
        this.window = new SlidingWindow(window);
    }

    /** Records {@code amount} at {@code now}, updates the peak and returns the window's sum after it. */
    public long record(long now, long amount) {
        window.add(now, amount);
        long sum = window.sum(now);
        peak = Math.max(peak, sum);
        return sum;
    }

    /** The largest window sum recorded so far. */
    public long peak() {
        return peak;
    }

    /** The sum in the window ending at {@code now}. */
    public long current(long now) {
        return window.sum(now);
    }
}
