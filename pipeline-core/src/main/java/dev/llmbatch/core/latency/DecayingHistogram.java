package dev.llmbatch.core.latency;

import dev.llmbatch.core.stats.LogBins;

/**
 * Weighted counts of positive values over logarithmically spaced bins (each 5% wider than the last, the layout of
 * {@link dev.llmbatch.core.estimate.DecayingQuantiles}), so any quantile is read within 5% of the truth in fixed
 * memory. Unlike {@code DecayingQuantiles}, which ages samples by their count, the caller gives each sample its
 * weight: {@link LatencyModel} weighs by the sample's time so that a deployment called rarely forgets at the same
 * pace as a busy one. Quantiles are read as the upper edge of their bin (errs high: a later hedge, not an earlier
 * one). Not thread-safe.
 */
final class DecayingHistogram {
    private static final double GAMMA = 1.05;
    private static final double LOG_GAMMA = Math.log(GAMMA);

    private final double min;
    private final double[] counts;
    private double total;

    DecayingHistogram(double min, double max) {
        if (!(min > 0) || !(max > min)) {
            throw new IllegalArgumentException("min " + min + ", max " + max);
        }
        this.min = min;
        this.counts = new double[(int) Math.ceil(Math.log(max / min) / LOG_GAMMA) + 2];
    }

    void add(double value, double weight) {
        counts[bin(value)] += weight;
        total += weight;
    }

    /** Multiplies every count by {@code f} (rescaling, so that weights never overflow). */
    void scale(double f) {
        for (int i = 0; i < counts.length; i++) {
            counts[i] *= f;
        }
        total *= f;
    }

    /** The {@code q}-quantile (0 < q <= 1) as its bin's upper edge; NaN when empty. */
    double quantile(double q) {
        if (!(total > 0)) {
            return Double.NaN;
        }
        return LogBins.quantile(counts, total, q, this::upperEdge);
    }

    int bins() {
        return counts.length;
    }

    private int bin(double value) {
        if (!(value > min)) {
            return 0;
        }
        return Math.min(counts.length - 1, (int) Math.ceil(Math.log(value / min) / LOG_GAMMA));
    }

    private double upperEdge(int bin) {
        return min * Math.pow(GAMMA, bin);
    }
}
