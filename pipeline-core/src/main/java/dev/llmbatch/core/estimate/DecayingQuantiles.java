package dev.llmbatch.core.estimate;

import dev.llmbatch.core.stats.LogBins;

/**
 * A streaming quantile estimate of positive values with bounded memory that follows drift: a histogram over
 * logarithmically spaced bins (each 5% wider than the last, so any quantile is read within 5% of the truth), whose
 * counts decay with a half-life counted in samples. Old samples fade instead of being dropped, so the estimate
 * follows a change in the workload within a few half-lives; memory is fixed (a few hundred doubles) whatever the
 * number of samples.
 *
 * <p>Decay is applied lazily: each new sample weighs {@code 2^(n/halfLife)} times the first, and the counts are
 * rescaled when the weights grow large. Quantiles are read as the upper edge of the bin they fall in, so an estimate
 * errs high (the safe side for a token budget).
 *
 * <p>Not thread-safe.
 */
public final class DecayingQuantiles {
    private static final double GAMMA = 1.05;
    private static final double LOG_GAMMA = Math.log(GAMMA);
    private static final double RESCALE_ABOVE = 1e150;

    private final double min;
    private final double[] counts;
    private final double growth;
    private double weight = 1.0;
    private double total;
    private long samples;

    /**
     * @param min       the smallest value told apart (smaller ones fall in the first bin)
     * @param max       the largest value told apart (larger ones fall in the last bin)
     * @param halfLife  samples after which an observation weighs half as much as a new one
     */
    public DecayingQuantiles(double min, double max, int halfLife) {
        if (!(min > 0) || !(max > min) || halfLife < 1) {
            throw new IllegalArgumentException("min " + min + ", max " + max + ", halfLife " + halfLife);
        }
        this.min = min;
        this.counts = new double[(int) Math.ceil(Math.log(max / min) / LOG_GAMMA) + 2];
        this.growth = Math.pow(2.0, 1.0 / halfLife);
    }

    /** Adds one sample (values at or below zero count as the smallest bin). */
    public void add(double value) {
        counts[bin(value)] += weight;
        total += weight;
        samples++;
        weight *= growth;
        if (weight > RESCALE_ABOVE) {
            double f = 1.0 / weight;
            for (int i = 0; i < counts.length; i++) {
                counts[i] *= f;
            }
            total *= f;
            weight = 1.0;
        }
    }

    /** Samples added so far (not decayed). */
    public long samples() {
        return samples;
    }

    /** The {@code q}-quantile (0 < q <= 1), read as the upper edge of its bin; NaN before the first sample. */
    public double quantile(double q) {
        if (samples == 0) {
            return Double.NaN;
        }
        return LogBins.quantile(counts, total, q, this::upperEdge);
    }

    /** The decayed share of samples above {@code value}. */
    public double shareAbove(double value) {
        if (samples == 0) {
            return 0;
        }
        int b = bin(value);
        double above = 0;
        for (int i = b + 1; i < counts.length; i++) {
            above += counts[i];
        }
        return above / total;
    }

    private int bin(double value) {
        if (!(value > min)) {
            return 0;
        }
        int b = (int) Math.ceil(Math.log(value / min) / LOG_GAMMA);
        return Math.min(counts.length - 1, b);
    }

    private double upperEdge(int bin) {
        return min * Math.pow(GAMMA, bin);
    }

    /**
     * The decayed counts, normalised so that a new sample would weigh 1, then the total and the sample count: for
     * persisting (see {@link #restore}).
     */
    public double[] snapshot() {
        double[] s = new double[counts.length + 2];
        for (int i = 0; i < counts.length; i++) {
            s[i] = counts[i] / weight;
        }
        s[counts.length] = total / weight;
        s[counts.length + 1] = samples;
        return s;
    }

    /** Restores a {@link #snapshot()} taken from an estimator of the same shape; ignored if the shape differs. */
    public boolean restore(double[] s) {
        if (s == null || s.length != counts.length + 2) {
            return false;
        }
        for (int i = 0; i < counts.length; i++) {
            if (!(s[i] >= 0) || Double.isInfinite(s[i])) {
                return false;
            }
        }
        for (int i = 0; i < counts.length; i++) {
            counts[i] = s[i] * weight;
        }
        total = s[counts.length] * weight;
        samples = (long) s[counts.length + 1];
        return true;
    }
}
