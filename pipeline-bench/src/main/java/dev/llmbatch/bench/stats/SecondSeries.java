package dev.llmbatch.bench.stats;

import java.util.ArrayList;
import java.util.List;

/**
 * Amounts per whole simulated second, starting at {@code firstSecond} (the shape of the simulator's
 * {@code admittedTokensPerSecond} series). Immutable.
 */
public record SecondSeries(long firstSecond, long[] values) {

    public SecondSeries {
        values = values.clone();
    }

    public static SecondSeries of(long firstSecond, List<Long> values) {
        long[] v = new long[values.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = values.get(i);
        }
        return new SecondSeries(firstSecond, v);
    }

    /** One past the last second covered. */
    public long endSecond() {
        return firstSecond + values.length;
    }

    /** The amount in second {@code s}, 0 outside the series. */
    public long at(long s) {
        long i = s - firstSecond;
        return i < 0 || i >= values.length ? 0 : values[(int) i];
    }

    /** Sum over the seconds {@code [from, to)}. */
    public long sum(long from, long to) {
        long total = 0;
        for (long s = from; s < to; s++) {
            total += at(s);
        }
        return total;
    }

    /** Mean per second over {@code [from, to)}; 0 for an empty range. */
    public double mean(long from, long to) {
        return to <= from ? 0 : (double) sum(from, to) / (to - from);
    }

    /** Element-wise sum of several series (aligned on their seconds). */
    public static SecondSeries plus(List<SecondSeries> all) {
        long first = all.stream().mapToLong(SecondSeries::firstSecond).min().orElse(0);
        long end = all.stream().mapToLong(SecondSeries::endSecond).max().orElse(first);
        long[] v = new long[(int) (end - first)];
        for (SecondSeries s : all) {
            for (long t = s.firstSecond; t < s.endSecond(); t++) {
                v[(int) (t - first)] += s.at(t);
            }
        }
        return new SecondSeries(first, v);
    }

    /**
     * Trailing moving average over {@code window} seconds for every second in {@code [from, to)}: element i is the
     * mean of {@code [from + i - window + 1, from + i]}, for charts.
     */
    public double[] movingAverage(long from, long to, int window) {
        double[] out = new double[(int) Math.max(0, to - from)];
        for (int i = 0; i < out.length; i++) {
            long s = from + i;
            out[i] = mean(s - window + 1, s + 1);
        }
        return out;
    }

    /** The first second at or after {@code from} (and before {@code to}) whose amount is non-zero, or -1. */
    public long firstNonZero(long from, long to) {
        for (long s = Math.max(from, firstSecond); s < Math.min(to, endSecond()); s++) {
            if (at(s) != 0) {
                return s;
            }
        }
        return -1;
    }

    /** The values as a list, for JSON. */
    public List<Long> toList() {
        List<Long> out = new ArrayList<>(values.length);
        for (long v : values) {
            out.add(v);
        }
        return out;
    }
}
