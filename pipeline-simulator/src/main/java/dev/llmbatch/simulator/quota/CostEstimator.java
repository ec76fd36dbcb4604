package dev.llmbatch.simulator.quota;

import dev.llmbatch.core.config.ConfigException;

import com.fasterxml.jackson.annotation.JsonValue;

import com.fasterxml.jackson.annotation.JsonCreator;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * How Azure OpenAI charges a chat request against a deployment's TPM at admission (reference section 3.2): one
 * profile per rule that has been observed or is plausible, so that a client's calibration can be tested against each.
 * The estimate, not the actual usage, is charged, and nothing is refunded when the completion is shorter.
 *
 * <p>{@code maxTokens} is the request's {@code max_tokens} (or {@code max_completion_tokens}), or the deployment's
 * {@code default-max-tokens} when the request has neither; {@code n} multiplies it.
 *
 * <p>YAML names (a deployment's {@code estimator}): {@code chars} (alias {@code gpt4o}), {@code gpt35},
 * {@code tokenizer}.
 *
 * <p>Immutable and thread-safe.
 */
public enum CostEstimator {
    /**
     * The character rule measured on gpt-4 / gpt-4o: {@code ceil(content code points / 4) + 1 + max_tokens * n}.
     * YAML {@code chars}, or its older name {@code gpt4o}.
     */
    CHARS("chars", "gpt4o") {
        @Override
        public long estimate(long contentCodePoints, long promptTokens, long maxTokens, int n) {
            return (contentCodePoints + 3) / 4 + 1 + maxTokens * n;
        }
    },
    /** gpt-3.5-turbo: {@code max_tokens * n}; the prompt is not counted. YAML {@code gpt35}. */
    GPT35("gpt35") {
        @Override
        public long estimate(long contentCodePoints, long promptTokens, long maxTokens, int n) {
            return maxTokens * n;
        }
    },
    /**
     * The exact tokenizer count of the chat-formatted prompt, i.e. the prompt tokens that usage reports (sum over
     * messages of 3 + tokens(role) + tokens(content), + 1 + tokens(name) when named, + 3 for the reply priming, in
     * the deployment's encoding), {@code + max_tokens * n}. YAML {@code tokenizer}.
     */
    TOKENIZER("tokenizer") {
        @Override
        public long estimate(long contentCodePoints, long promptTokens, long maxTokens, int n) {
            return promptTokens + maxTokens * n;
        }
    };

    private final String yamlName;
    private final List<String> aliases;

    CostEstimator(String yamlName, String... aliases) {
        this.yamlName = yamlName;
        this.aliases = List.of(aliases);
    }

    /** The canonical name used in YAML ({@code chars}, {@code gpt35}, {@code tokenizer}). */
    @JsonValue
    public String yamlName() {
        return yamlName;
    }

    /**
     * The tokens charged at admission.
     *
     * @param contentCodePoints Unicode code points of all message contents together
     * @param promptTokens the prompt's tokens with the chat overhead, as usage reports them
     * @param maxTokens the request's max_tokens, or the deployment default when absent
     * @param n the number of choices requested (>= 1)
     */
    public abstract long estimate(long contentCodePoints, long promptTokens, long maxTokens, int n);

    /** Looks up a profile by its YAML name or an alias (case-insensitive), or null. */
    public static CostEstimator fromYaml(String name) {
        String key = name.toLowerCase(Locale.ROOT);
        for (CostEstimator e : values()) {
            if (e.yamlName.equals(key) || e.aliases.contains(key)) {
                return e;
            }
        }
        return null;
    }

    /** Binds a YAML name or alias; anything else fails, listing the accepted names. */
    @JsonCreator
    static CostEstimator bind(String name) {
        CostEstimator e = fromYaml(name);
        if (e == null) {
            throw new ConfigException("", "must be one of " + yamlNames() + ", got \"" + name + "\"");
        }
        return e;
    }

    /** Every accepted YAML name, aliases included, for error messages. */
    public static List<String> yamlNames() {
        return Arrays.stream(values())
                .flatMap(e -> Stream.concat(Stream.of(e.yamlName), e.aliases.stream()))
                .toList();
    }
}
