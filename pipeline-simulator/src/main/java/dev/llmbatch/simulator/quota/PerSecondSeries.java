package dev.llmbatch.simulator.quota;

import java.util.ArrayList;
import java.util.List;

/**
 * A bounded series of amounts per whole (simulated) second, keeping the last {@code capacity} seconds, for charts.
 * Seconds are counted from the simulator's start.
 *
 * <p>Not thread-safe: confine to one thread.
 */
public final class PerSecondSeries {
    private final long[] slots;
    private long latest = -1;

    /** A series that keeps the last {@code capacity} seconds. */
    public PerSecondSeries(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, got " + capacity);
        }
        this.slots = new long[capacity];
    }

    /** Adds {@code amount} to second {@code second} (seconds older than the retained range are ignored). */
    public void add(long second, long amount) {
        advanceTo(second);
        if (second > latest - slots.length) {
            slots[(int) (second % slots.length)] += amount;
        }
    }

    /** The first second covered by {@link #values(long)} when called with {@code now}. */
    public long firstSecond(long now) {
        return Math.max(0, Math.max(now, latest) - slots.length + 1);
    }

    /** Values from {@link #firstSecond(long)} through {@code max(now, latest)}, oldest first. */
    public List<Long> values(long now) {
        advanceTo(now);
        List<Long> out = new ArrayList<>();
        for (long s = firstSecond(now); s <= latest; s++) {
            out.add(slots[(int) (s % slots.length)]);
        }
        return out;
    }

    private void advanceTo(long second) {
        if (second <= latest) {
            return;
        }
        long from = Math.max(latest + 1, second - slots.length + 1);
        for (long s = from; s <= second; s++) {
            slots[(int) (s % slots.length)] = 0;
        }
        latest = second;
    }
}
