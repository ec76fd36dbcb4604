package dev.llmbatch.core.result;

import java.util.Objects;

/**
 * A result whose call was hedged (a copy sent to another deployment while the first was straggling): which call
 * answered, {@code "original"} or {@code "hedge"}, and the tokens the other call cost on top ({@code extraTokens}:
 * the losing call's prompt as reserved, since a cancelled call reports no usage; included in the result's usage).
 * Immutable.
 */
public record Hedged(String won, int extraTokens) {
    public static final String ORIGINAL = "original";
    public static final String HEDGE = "hedge";

    public Hedged {
        Objects.requireNonNull(won, "won");
        if (!won.equals(ORIGINAL) && !won.equals(HEDGE)) {
            throw new IllegalArgumentException("hedged.won must be original or hedge, got " + won);
        }
        if (extraTokens < 0) {
            throw new IllegalArgumentException("hedged.extra_tokens must be >= 0, got " + extraTokens);
        }
    }
}
