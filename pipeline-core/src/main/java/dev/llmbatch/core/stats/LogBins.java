package dev.llmbatch.core.stats;

import java.util.function.IntToDoubleFunction;

/** Reading a histogram of weighted counts in log-spaced bins (the decaying sketches of answer lengths and latency). */
public final class LogBins {
    private LogBins() {
    }

    /**
     * The {@code q}-quantile (0 < q <= 1) as the upper edge of the bin where the cumulative weight reaches
     * {@code q * total}; the last bin's edge if rounding leaves it short.
     */
    public static double quantile(double[] counts, double total, double q, IntToDoubleFunction upperEdge) {
        double target = q * total;
        double cum = 0;
        for (int i = 0; i < counts.length; i++) {
            cum += counts[i];
            if (cum >= target) {
                return upperEdge.applyAsDouble(i);
            }
        }
        return upperEdge.applyAsDouble(counts.length - 1);
    }
}
