package dev.llmbatch.bench.stats;

import java.util.Arrays;

/** Percentiles (nearest rank) and CDF points of a sample. Immutable once built. */
public final class Percentiles {
    private final double[] sorted;

    public Percentiles(double[] values) {
        this.sorted = values.clone();
        Arrays.sort(sorted);
    }

    public static Percentiles of(long[] values) {
        return new Percentiles(Arrays.stream(values).asDoubleStream().toArray());
    }

    public int count() {
        return sorted.length;
    }

    /**
     * The nearest-rank percentile: the smallest value such that at least {@code p}% of the sample is at or below it
     * ({@code p} in (0, 100]); NaN for an empty sample.
     */
    public double percentile(double p) {
        if (!(p > 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile must be in (0, 100], got " + p);
        }
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    public double min() {
        return sorted.length == 0 ? Double.NaN : sorted[0];
    }

    public double max() {
        return sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1];
    }

    public double mean() {
        return sorted.length == 0 ? Double.NaN : Arrays.stream(sorted).average().orElse(Double.NaN);
    }

    /** The sorted sample (a copy); the empirical CDF at {@code sorted[i]} is {@code (i + 1) / n}. */
    public double[] sorted() {
        return sorted.clone();
    }
}
