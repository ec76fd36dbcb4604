package dev.llmbatch.core.estimate;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import dev.llmbatch.core.job.ChatMessage;
import java.util.List;

/**
 * Counts prompt tokens with the model's encoding and computes what a request will be charged against the quota.
 *
 * <p>The service charges an <em>estimate</em> at admission (reference 3.2: {@code ceil(chars/4) + 1 + max_tokens}
 * for the gpt-4o family), not the tokenizer count. We reserve {@code max(tokenizer count with chat overhead,
 * ceil(code points/4) + 1) + max_tokens x n}: never less than the service charges, so our buckets do not run ahead
 * of its windows, and never less than the real prompt for scripts where chars/4 undercounts (Japanese).
 *
 * <p>Thread-safe: jtokkit encodings are immutable and shared; the memo of repeated texts is concurrent.
 */
public final class TokenEstimator {
    private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();
    /** Chat format overhead per message and for reply priming (reference section 5). */
    static final int PER_MESSAGE = 3;
    static final int REPLY_PRIMING = 3;

    private static final int MEMO_ENTRIES = 4096;
    private static final int MEMO_MAX_CHARS = 16_384;

    private final Encoding encoding;
    /** Caffeine's size-bounded cache keeps the texts in use (the old map stopped caching once it held 4,096). */
    private final Cache<String, Integer> memo = Caffeine.newBuilder().maximumSize(MEMO_ENTRIES).build();

    private TokenEstimator(Encoding encoding) {
        this.encoding = encoding;
    }

    /** An estimator for a jtokkit encoding name such as {@code o200k_base}. */
    public static TokenEstimator forEncoding(String name) {
        EncodingType type = EncodingType.fromName(name)
                .orElseThrow(() -> new IllegalArgumentException("unknown encoding " + name));
        return new TokenEstimator(REGISTRY.getEncoding(type));
    }

    /** Tokens of the chat-formatted prompt, as the service's usage.prompt_tokens counts them. */
    public int promptTokens(List<ChatMessage> messages) {
        return count(messages)[0];
    }

    /** [prompt tokens with chat overhead, tokens of the last user message]. */
    private int[] count(List<ChatMessage> messages) {
        int total = REPLY_PRIMING;
        int lastUser = 0;
        for (ChatMessage m : messages) {
            total += PER_MESSAGE + shared(m.role());
            if (m.role().equals("user")) {
                lastUser = encoding.countTokensOrdinary(m.content());
                total += lastUser;
            } else {
                total += shared(m.content());
            }
        }
        return new int[] {total, lastUser};
    }

    /** Tokens of a text (an answer, say), by this encoding. */
    public int tokens(String text) {
        return encoding.countTokensOrdinary(text);
    }

    /**
     * The count of a text that many jobs repeat (roles, system instructions), from a small bounded memo: in bulk
     * work every job of a kind carries the same instruction, and counting it again per job was a large share of
     * the Kafka loop thread's time. User texts are counted every time.
     */
    private int shared(String text) {
        if (text.length() > MEMO_MAX_CHARS) {
            return encoding.countTokensOrdinary(text);
        }
        return memo.get(text, encoding::countTokensOrdinary);
    }

    /** Whether {@code text}'s count is memoized now (for tests). */
    boolean memoized(String text) {
        memo.cleanUp();
        return memo.getIfPresent(text) != null;
    }

    /** The service's character rule for the prompt part of its estimate: ceil(code points / 4) + 1. */
    public static int charRule(List<ChatMessage> messages) {
        long cps = 0;
        for (ChatMessage m : messages) {
            cps += m.content().codePointCount(0, m.content().length());
        }
        return (int) Math.min(Integer.MAX_VALUE, (cps + 3) / 4 + 1);
    }

    /** What to reserve for a request by the safe rule ({@link PromptRule#MAX}): see the class comment. */
    public Estimate estimate(List<ChatMessage> messages, int maxTokens, int n) {
        int[] counts = count(messages);
        int chars = charRule(messages);
        long reserve = PromptRule.MAX.prompt(counts[0], chars) + (long) maxTokens * n;
        return new Estimate(counts[0], reserve, chars, counts[1]);
    }

    /**
     * The counts behind a reservation.
     *
     * @param promptTokens  the prompt by the tokenizer, with chat overhead (usage.prompt_tokens)
     * @param reserveTokens what to reserve by the safe rule, completion included
     * @param charRule      the prompt by the service's character rule
     * @param inputTokens   tokens of the last user message (the input an answer's length follows)
     */
    public record Estimate(int promptTokens, long reserveTokens, int charRule, int inputTokens) {
    }
}
