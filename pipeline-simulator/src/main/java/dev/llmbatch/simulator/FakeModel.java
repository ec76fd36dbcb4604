package dev.llmbatch.simulator;

import dev.llmbatch.core.batch.PackingProtocol;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * The simulator's deterministic stand-in for a chat model: a pure function of the request, so that any test can
 * compute the exact output the pipeline should deliver for a job, batched or not.
 *
 * <h2>The rule</h2>
 * {@code systemInstruction} is the concatenation of the contents of all {@code system}-role messages joined by
 * {@code "\n"} ({@code ""} if there are none); {@code lastUserMessage} is the content of the last {@code user}-role
 * message ({@code ""} if there is none). Then {@link #reply(String, String)} is:
 * <ol>
 *   <li>if the system instruction contains {@code "sentiment"} (case-insensitive): one of {@code "positive"},
 *       {@code "negative"}, {@code "neutral"}, at index
 *       {@code Integer.remainderUnsigned(fnv1a32(UTF-8 bytes of lastUserMessage), 3)};</li>
 *   <li>else if it contains {@code "translat"} (case-insensitive): {@code "[translated] "} followed by the user
 *       message with its Unicode code points in reverse order (surrogate pairs stay intact, so Japanese text and
 *       emoji survive);</li>
 *   <li>else {@code "echo: " + lastUserMessage}.</li>
 * </ol>
 *
 * <h2>Tokens and truncation</h2>
 * Completion tokens = {@code max(1, ceil(codePoints(reply) / 4))}. If that exceeds the request's {@code max_tokens},
 * the reply is cut to its first {@code max_tokens * 4} code points, completion tokens = {@code max_tokens} and
 * {@code finish_reason = "length"}; otherwise {@code finish_reason = "stop"}. See {@link #complete(String, String, int)}.
 *
 * <h2>Packed requests</h2>
 * A request that {@link PackingProtocol#parse} recognises (the prompt-packing protocol) is answered with
 * {@link #packedReply}: {@code {"items":[{"i":0,"output":"..."}, ...]}} in index order, where each output is exactly
 * what a single request with the shared instruction and that item's text gets under the item's {@code max_tokens}:
 * {@code complete(instruction, text, maxTokens).content()}. So batched and unbatched outputs are identical. The JSON
 * is written by Jackson with non-ASCII characters raw (not as backslash-u escapes). The whole JSON content then follows
 * the same token and truncation rule as any reply, against the request's {@code max_tokens}: its completion tokens
 * are {@code completionTokens(json)}, and when that exceeds {@code max_tokens} the JSON is cut to
 * {@code max_tokens * 4} code points (no longer valid) with {@code finish_reason "length"}.
 *
 * <p>Stateless and thread-safe.
 */
public final class FakeModel {
    private static final String[] SENTIMENTS = {"positive", "negative", "neutral"};
    private static final int FNV_OFFSET = 0x811C9DC5;
    private static final int FNV_PRIME = 0x01000193;

    private FakeModel() {
    }

    /** The reply for a system instruction and last user message; see the class comment. Nulls count as "". */
    public static String reply(String systemInstruction, String lastUserMessage) {
        String system = systemInstruction == null ? "" : systemInstruction.toLowerCase(Locale.ROOT);
        String user = lastUserMessage == null ? "" : lastUserMessage;
        if (system.contains("sentiment")) {
            int h = fnv1a32(user.getBytes(StandardCharsets.UTF_8));
            return SENTIMENTS[Integer.remainderUnsigned(h, 3)];
        }
        if (system.contains("translat")) {
            return "[translated] " + reverseCodePoints(user);
        }
        return "echo: " + user;
    }

    /** Standard 32-bit FNV-1a (offset basis 0x811C9DC5, prime 0x01000193) of {@code bytes}. */
    public static int fnv1a32(byte[] bytes) {
        int h = FNV_OFFSET;
        for (byte b : bytes) {
            h ^= b & 0xFF;
            h *= FNV_PRIME;
        }
        return h;
    }

    /** Completion tokens the simulator reports for {@code text}: {@code max(1, ceil(codePoints / 4))}. */
    public static int completionTokens(String text) {
        int cp = text.codePointCount(0, text.length());
        return Math.max(1, (cp + 3) / 4);
    }

    /** The completion with no {@code max_tokens} limit: never truncated. */
    public static Completion complete(String systemInstruction, String lastUserMessage) {
        String reply = reply(systemInstruction, lastUserMessage);
        return new Completion(reply, completionTokens(reply), "stop");
    }

    /**
     * The completion under a {@code max_tokens} limit (>= 1): truncated to {@code maxTokens * 4} code points with
     * {@code finish_reason "length"} when the reply needs more tokens than that.
     */
    public static Completion complete(String systemInstruction, String lastUserMessage, int maxTokens) {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be >= 1, got " + maxTokens);
        }
        return limit(reply(systemInstruction, lastUserMessage), maxTokens);
    }

    /**
     * The uncorrupted reply content to a packed request: {@code {"items":[{"i":k,"output":o_k}, ...]}} in index
     * order with {@code o_k = complete(instruction, items[k].text, items[k].maxTokens).content()} (an item's
     * {@code maxTokens} below 1 is treated as 1). Apply {@link #limit(String, Integer)} with the request's
     * {@code max_tokens} for the completion as sent.
     */
    public static String packedReply(String instruction, List<PackingProtocol.Item> items) {
        return PackedReply.content(instruction, items, BatchFaults.none(), null);
    }

    /**
     * The token and truncation rule applied to any reply text: unlimited when {@code maxTokens} is null, else cut to
     * {@code maxTokens * 4} code points with {@code finish_reason "length"} when it needs more than
     * {@code maxTokens} tokens.
     */
    public static Completion limit(String reply, Integer maxTokens) {
        int tokens = completionTokens(reply);
        if (maxTokens == null || tokens <= maxTokens) {
            return new Completion(reply, tokens, "stop");
        }
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be >= 1, got " + maxTokens);
        }
        int end = reply.offsetByCodePoints(0, maxTokens * 4);
        return new Completion(reply.substring(0, end), maxTokens, "length");
    }

    private static String reverseCodePoints(String s) {
        int[] cps = s.codePoints().toArray();
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = cps.length - 1; i >= 0; i--) {
            sb.appendCodePoint(cps[i]);
        }
        return sb.toString();
    }

    /**
     * One choice as the simulator returns it.
     *
     * @param content the message content (possibly truncated)
     * @param completionTokens tokens reported in usage for this choice
     * @param finishReason {@code "stop"} or {@code "length"}
     */
    public record Completion(String content, int completionTokens, String finishReason) {
    }
}
