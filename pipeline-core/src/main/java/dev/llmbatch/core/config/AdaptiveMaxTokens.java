package dev.llmbatch.core.config;

/**
 * Learned answer budgets (keys {@code models.<pool>.adaptive-max-tokens}, overridable per task): once an instruction
 * has {@code minSamples} answers, a job is sent with {@code max_tokens} = min(its own limit, the {@code quantile} of
 * the learned answer length for its input size x (1 + {@code margin})). An answer cut short under a learned budget is
 * sent again at once with the job's own limit, so answers never change; jobs with {@code "strict_max_tokens": true}
 * are always sent with their own limit. Immutable; validated on construction with messages that name the key.
 */
public record AdaptiveMaxTokens(boolean enabled, double quantile, double margin, int minSamples) {

    /** The defaults of {@code pipeline-defaults.yaml}: on, 0.99 quantile, 10% margin, 50 answers. */
    public static final AdaptiveMaxTokens DEFAULTS = ConfigLoader.templateDefaults("*.*.adaptive-max-tokens", "", AdaptiveMaxTokens.class);

    public AdaptiveMaxTokens {
        Check.between("quantile", quantile, 0.51, 0.9999);
        Check.between("margin", margin, 0, 10);
        Check.atLeast("min-samples", minSamples, 1);
    }
}
