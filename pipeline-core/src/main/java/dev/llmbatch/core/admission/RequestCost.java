package dev.llmbatch.core.admission;

import dev.llmbatch.core.estimate.PromptRule;

/**
 * What one request reserves against a deployment's token window, and what it would cost under each rule the
 * service might use, so that the service's remaining-tokens headers can tell the rules apart. {@code completion}
 * is {@code max_tokens x n}: every rule charges it in full, with no refund.
 *
 * @param reserve    the tokens actually reserved (under the pool's current {@link PromptRule})
 * @param charRule   the prompt by the character rule
 * @param tokenCount the prompt by the tokenizer
 * @param completion max_tokens x n
 */
public record RequestCost(long reserve, long charRule, long tokenCount, long completion) {

    public RequestCost {
        if (reserve < 0 || charRule < 0 || tokenCount < 0 || completion < 0) {
            throw new IllegalArgumentException("negative cost " + reserve + "/" + charRule + "/" + tokenCount + "/"
                    + completion);
        }
    }

    /** The cost under {@code rule}, with the prompt counted by the given rule. */
    public static RequestCost of(PromptRule rule, long tokenCount, long charRule, long completion) {
        return new RequestCost(rule.prompt(tokenCount, charRule) + completion, charRule, tokenCount, completion);
    }

    /** A cost with no rule information (every rule charges {@code tokens}). */
    public static RequestCost flat(long tokens) {
        return new RequestCost(tokens, 0, 0, tokens);
    }

    /** What the service would charge under {@code rule}. */
    public long under(PromptRule rule) {
        return rule.prompt(tokenCount, charRule) + completion;
    }
}
