package dev.llmbatch.core.batch;

/**
 * Splits a total (a batch's token usage) into parts proportional to weights, in whole numbers that add up exactly
 * to the total (largest remainder). Pure; thread-safe.
 */
public final class Apportion {
    private Apportion() {
    }

    public static int[] split(int total, long[] weights) {
        int n = weights.length;
        int[] out = new int[n];
        if (n == 0 || total <= 0) {
            return out;
        }
        long sum = 0;
        for (long w : weights) {
            sum += Math.max(0, w);
        }
        if (sum == 0) {
            weights = new long[n];
            java.util.Arrays.fill(weights, 1);
            sum = n;
        }
        double[] remainder = new double[n];
        int given = 0;
        for (int i = 0; i < n; i++) {
            double exact = (double) total * Math.max(0, weights[i]) / sum;
            out[i] = (int) Math.floor(exact);
            remainder[i] = exact - out[i];
            given += out[i];
        }
        for (int left = total - given; left > 0; left--) {
            int best = 0;
            for (int i = 1; i < n; i++) {
                if (remainder[i] > remainder[best]) {
                    best = i;
                }
            }
            out[best]++;
            remainder[best] = -1;
        }
        return out;
    }
}
