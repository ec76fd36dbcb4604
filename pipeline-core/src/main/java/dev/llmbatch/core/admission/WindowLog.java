package dev.llmbatch.core.admission;

import java.util.Arrays;

/**
 * A log of timestamped amounts over a sliding span, with the running sum of each amount column: what a service that
 * counts a sliding window (reference 3.3) has seen in the last {@code span} nanoseconds. An entry stamped {@code t}
 * counts while {@code now - t < span}. Entries are kept in time order (an entry stamped in the past is inserted in
 * its place), in growable ring arrays, so appending and expiring allocate nothing in the steady state; memory is
 * bounded by the entries of one span, which admission bounds by the request limit.
 *
 * <p>Not thread-safe: the owner synchronises.
 */
final class WindowLog {
    private final long spanNanos;
    private final int columns;
    private long[] times;
    private long[][] amounts;
    private final long[] sums;
    private int head;
    private int size;

    WindowLog(long spanNanos, int columns) {
        if (spanNanos <= 0 || columns < 1) {
            throw new IllegalArgumentException("span " + spanNanos + ", columns " + columns);
        }
        this.spanNanos = spanNanos;
        this.columns = columns;
        this.times = new long[16];
        this.amounts = new long[columns][16];
        this.sums = new long[columns];
    }

    long spanNanos() {
        return spanNanos;
    }

    /** Drops the entries that have left the span at {@code now}. */
    void expire(long now) {
        while (size > 0 && now - times[head] >= spanNanos) {
            for (int c = 0; c < columns; c++) {
                sums[c] -= amounts[c][head];
            }
            head = (head + 1) & (times.length - 1);
            size--;
        }
    }

    /** The sum of column {@code c} over the entries still in the span (call {@link #expire} first). */
    long sum(int c) {
        return sums[c];
    }

    /** The sum of column {@code c} over the entries stamped within the last {@code within} nanoseconds of now. */
    long sumWithin(int c, long now, long within) {
        long s = sums[c];
        int mask = times.length - 1;
        for (int i = 0; i < size; i++) {
            int k = (head + i) & mask;
            if (now - times[k] < within) {
                break;
            }
            s -= amounts[c][k];
        }
        return s;
    }

    /** Records amounts stamped {@code at} (usually now; an earlier stamp is inserted in time order). */
    void add(long at, long... values) {
        if (values.length != columns) {
            throw new IllegalArgumentException("expected " + columns + " amounts");
        }
        if (size == times.length) {
            grow();
        }
        int mask = times.length - 1;
        int pos = size;
        // Walk back over later entries (rare: only corrections are stamped in the past).
        while (pos > 0 && times[(head + pos - 1) & mask] - at > 0) {
            int from = (head + pos - 1) & mask;
            int to = (head + pos) & mask;
            times[to] = times[from];
            for (int c = 0; c < columns; c++) {
                amounts[c][to] = amounts[c][from];
            }
            pos--;
        }
        int k = (head + pos) & mask;
        times[k] = at;
        for (int c = 0; c < columns; c++) {
            amounts[c][k] = values[c];
            sums[c] += values[c];
        }
        size++;
    }

    /**
     * Nanoseconds from {@code now} until column 0's sum has dropped to at most {@code target} through expiry, or 0
     * if it already has (call {@link #expire} first).
     */
    long nanosUntilSumAtMost(long target, long now) {
        long s = sums[0];
        if (s <= target) {
            return 0;
        }
        int mask = times.length - 1;
        for (int i = 0; i < size; i++) {
            int k = (head + i) & mask;
            s -= amounts[0][k];
            if (s <= target) {
                return Math.max(1, times[k] + spanNanos - now);
            }
        }
        return Math.max(1, spanNanos);
    }

    int size() {
        return size;
    }

    private void grow() {
        int n = times.length;
        long[] t = new long[n * 2];
        long[][] a = new long[columns][n * 2];
        for (int i = 0; i < size; i++) {
            int k = (head + i) & (n - 1);
            t[i] = times[k];
            for (int c = 0; c < columns; c++) {
                a[c][i] = amounts[c][k];
            }
        }
        times = t;
        amounts = a;
        head = 0;
    }

    @Override
    public String toString() {
        return "WindowLog[size=" + size + ", sums=" + Arrays.toString(sums) + "]";
    }
}
