package dev.llmbatch.core.config;

/**
 * Learned answer budgets (keys {@code models.<pool>.adaptive-max-tokens}, overridable per task): once an instruction
 * has {@code minSamples} answers, a job is sent with {@code max_tokens} = min(its own limit, the {@code quantile} of
 * the learned answer length for its input size x (1 + {@code margin})). An answer cut short under a learned budget is
 * sent again at once with the job's own limit, so answers never change; jobs with {@code "strict_max_tokens": true}
 * are always sent with their own limit. Immutable.
 */
public record AdaptiveMaxTokens(boolean enabled, double quantile, double margin, int minSamples) {

    /** The defaults: on, 0.99 quantile, 10% margin, 50 answers before a learned budget is used. */
    public static final AdaptiveMaxTokens DEFAULTS = new AdaptiveMaxTokens(true, 0.99, 0.1, 50);

    public AdaptiveMaxTokens {
        if (!(quantile > 0.5 && quantile < 1)) {
            throw new IllegalArgumentException("quantile must be in (0.5, 1), got " + quantile);
        }
        if (!(margin >= 0 && margin <= 10)) {
            throw new IllegalArgumentException("margin must be in [0, 10], got " + margin);
        }
        if (minSamples < 1) {
            throw new IllegalArgumentException("min-samples must be >= 1, got " + minSamples);
        }
    }
}
