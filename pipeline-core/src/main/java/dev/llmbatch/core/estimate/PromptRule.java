package dev.llmbatch.core.estimate;

/**
 * How the service counts a prompt in the estimate it charges at admission (reference 3.2). Azure's gpt-4o family
 * charges {@code ceil(chars/4) + 1}; other deployments or services count tokens; {@link #MAX} of the two is never
 * below either and is what the worker reserves until the service's own headers show which rule it uses (see
 * {@link ReservationCalibrator}).
 */
public enum PromptRule {
    /** {@code ceil(code points / 4) + 1}: the character rule measured on Azure's gpt-4 / gpt-4o deployments. */
    CHARS("chars"),
    /** The tokenizer count of the chat-formatted prompt (what usage.prompt_tokens reports). */
    TOKENS("tokens"),
    /** The larger of the two: never less than either service rule; the safe default. */
    MAX("max");

    private final String label;

    PromptRule(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** The prompt part of the reservation under this rule. */
    public long prompt(long tokenCount, long charRule) {
        return switch (this) {
            case CHARS -> charRule;
            case TOKENS -> tokenCount;
            case MAX -> Math.max(tokenCount, charRule);
        };
    }
}
