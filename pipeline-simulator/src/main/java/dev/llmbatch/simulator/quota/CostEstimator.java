package dev.llmbatch.simulator.quota;

import java.util.Locale;

/**
 * How Azure OpenAI charges a chat request against a deployment's TPM at admission (reference section 3.2). The
 * estimate, not the actual usage, is charged, and nothing is refunded when the completion is shorter.
 *
 * <p>{@code maxTokens} is the request's {@code max_tokens} (or {@code max_completion_tokens}), or the deployment's
 * {@code default-max-tokens} when the request has neither; {@code n} multiplies it.
 *
 * <p>Immutable and thread-safe.
 */
public enum CostEstimator {
    /** gpt-4 / gpt-4o family: {@code ceil(content code points / 4) + 1 + max_tokens * n}. */
    GPT4O("gpt4o") {
        @Override
        public long estimate(long contentCodePoints, long maxTokens, int n) {
            return (contentCodePoints + 3) / 4 + 1 + maxTokens * n;
        }
    },
    /** gpt-3.5-turbo: {@code max_tokens * n}; the prompt is not counted. */
    GPT35("gpt35") {
        @Override
        public long estimate(long contentCodePoints, long maxTokens, int n) {
            return maxTokens * n;
        }
    };

    private final String yamlName;

    CostEstimator(String yamlName) {
        this.yamlName = yamlName;
    }

    /** The name used in YAML ({@code gpt4o}, {@code gpt35}). */
    public String yamlName() {
        return yamlName;
    }

    /**
     * The tokens charged at admission.
     *
     * @param contentCodePoints Unicode code points of all message contents together
     * @param maxTokens the request's max_tokens, or the deployment default when absent
     * @param n the number of choices requested (>= 1)
     */
    public abstract long estimate(long contentCodePoints, long maxTokens, int n);

    /** Looks up a profile by its YAML name, or null. */
    public static CostEstimator fromYaml(String name) {
        for (CostEstimator e : values()) {
            if (e.yamlName.equals(name.toLowerCase(Locale.ROOT))) {
                return e;
            }
        }
        return null;
    }
}
