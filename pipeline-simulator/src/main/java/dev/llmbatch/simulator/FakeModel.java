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
 *       {@code Integer.remainderUnsigned(fnv1a32(UTF-8 bytes of lastUserMessage), 3)}: one label whatever the
 *       text's length;</li>
 *   <li>else if it contains {@code "translat"} (case-insensitive): {@code "[translated] "} followed by the first
 *       {@code L} code points of the user message's code points in reverse order repeated without end (surrogate
 *       pairs stay intact, so Japanese text and emoji survive), where, for a message of {@code n} code points,
 *       {@code L = 0} if {@code n = 0}, else {@code L = max(1, Math.round(verbosity(lastUserMessage) * n))}. So a
 *       factor below 1 cuts the reversed text and one above 1 repeats it;</li>
 *   <li>else {@code "echo: " + lastUserMessage}, followed, when {@code k = echoFillerLength(lastUserMessage) > 0},
 *       by {@code " "} and the first {@code k} code points of {@link #FILLER} repeated without end.</li>
 * </ol>
 *
 * <h2>Answer length (issue 9: realistic spread, still a pure function of the text)</h2>
 * Both lengths come from uniforms of the user text: with {@code h} the 64-bit FNV-1a of its UTF-8 bytes, {@code u_k}
 * is the top 53 bits of SplitMix64's output mix of {@code h + (k + 1) * 0x9E3779B97F4A7C15}, times 2^-53; and the
 * standard normal {@code z = sqrt(-2 ln(1 - u_0)) * cos(2 pi u_1)}. {@link #verbosity(String)} and
 * {@link #echoFillerLength(String)} compute them:
 * <ul>
 *   <li>Translation, {@code verbosity}: with probability {@value #TAIL_SHARE} ({@code u_2 < }{@value #TAIL_SHARE}) a
 *       verbose answer, {@code exp(}{@value #VERBOSITY_MU}{@code  + }{@value #TAIL_SIGMA}{@code  * |z|)}, else
 *       {@code exp(}{@value #VERBOSITY_MU}{@code  + }{@value #VERBOSITY_SIGMA}{@code  * z)}; clipped to
 *       [{@value #MIN_VERBOSITY}, {@value #MAX_VERBOSITY}]. Over 200,000 texts: mean 1.07, p10 0.80, p50 1.04,
 *       p90 1.36, p99 1.93, 0.9% above 2 and 0.2% at the 3x cap; 76% within [0.8, 1.3], 10% below 0.8.</li>
 *   <li>Free-form (echo), {@code echoFillerLength}: {@code min(}{@value #MAX_FILLER}{@code ,
 *       floor(}{@value #FILLER_MEDIAN}{@code  * exp(z)))} code points: p50 16, mean 26, p90 57, p99 163, p99.9 366.</li>
 * </ul>
 * All arithmetic uses {@link StrictMath}, so the lengths are the same on every JVM.
 *
 * <h2>Tokens and truncation</h2>
 * Completion tokens = {@code max(1, ceil(codePoints(reply) / 4))}. If that exceeds the request's {@code max_tokens},
 * the reply is cut to its first {@code max_tokens * 4} code points, completion tokens = {@code max_tokens} and
 * {@code finish_reason = "length"}; otherwise {@code finish_reason = "stop"}. See {@link #complete(String, String, int)}.
 * A test computing a job's expected output therefore uses {@code complete(system, user, maxTokens).content()} with
 * the job's {@code max_tokens}: the longer replies of the tail are cut.
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
 * <p>A deployment configured with {@code packing: ignore} plays a model that ignores the reply schema: it answers a
 * packed request as an ordinary one, {@link #ignoredPackingReply} = {@code reply(systemInstruction,
 * lastUserMessage)} of the packed request under the same token rule; that plain text never parses as the packing
 * JSON (it starts with a sentiment word, {@code "[translated] "} or {@code "echo: "}).
 *
 * <p>Stateless and thread-safe.
 */
public final class FakeModel {
    /** Median of the translation verbosity factor is {@code exp(VERBOSITY_MU)}. */
    public static final double VERBOSITY_MU = 0.03;
    /** Spread of the body of the translation verbosity factor (log-normal sigma). */
    public static final double VERBOSITY_SIGMA = 0.2;
    /** Share of translations that are verbose (the long thin tail). */
    public static final double TAIL_SHARE = 0.03;
    /** Log-normal sigma of the verbose tail (applied to |z|, so only upwards). */
    public static final double TAIL_SIGMA = 0.6;
    /** Lower clip of the verbosity factor. */
    public static final double MIN_VERBOSITY = 0.5;
    /** Upper clip of the verbosity factor. */
    public static final double MAX_VERBOSITY = 3.0;
    /** Median filler length of a free-form (echo) reply, in code points. */
    public static final int FILLER_MEDIAN = 16;
    /** Largest filler of a free-form (echo) reply, in code points. */
    public static final int MAX_FILLER = 4096;
    /** The text a free-form (echo) reply's filler repeats. */
    public static final String FILLER = "lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod "
            + "tempor incididunt ut labore et dolore magna aliqua. ";

    private static final int[] FILLER_CODE_POINTS = FILLER.codePoints().toArray();
    private static final String[] SENTIMENTS = {"positive", "negative", "neutral"};
    private static final int FNV_OFFSET = 0x811C9DC5;
    private static final int FNV_PRIME = 0x01000193;
    private static final long FNV64_OFFSET = 0xCBF29CE484222325L;
    private static final long FNV64_PRIME = 0x100000001B3L;
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

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
            int[] reversed = reversedCodePoints(user);
            long target = reversed.length == 0 ? 0
                    : Math.max(1, Math.round(verbosity(user) * reversed.length));
            return cycle(new StringBuilder("[translated] "), reversed, target).toString();
        }
        StringBuilder sb = new StringBuilder("echo: ").append(user);
        int filler = echoFillerLength(user);
        if (filler > 0) {
            cycle(sb.append(' '), FILLER_CODE_POINTS, filler);
        }
        return sb.toString();
    }

    /**
     * The translation verbosity factor of {@code text} (reply body length / text length, before rounding): see the
     * class comment. A pure function of the text.
     */
    public static double verbosity(String text) {
        double z = normal(text);
        double f = uniform(text, 2) < TAIL_SHARE
                ? StrictMath.exp(VERBOSITY_MU + TAIL_SIGMA * Math.abs(z))
                : StrictMath.exp(VERBOSITY_MU + VERBOSITY_SIGMA * z);
        return Math.min(MAX_VERBOSITY, Math.max(MIN_VERBOSITY, f));
    }

    /** The filler length, in code points, of the free-form (echo) reply to {@code text}: see the class comment. */
    public static int echoFillerLength(String text) {
        return (int) Math.min(MAX_FILLER, Math.floor(FILLER_MEDIAN * StrictMath.exp(normal(text))));
    }

    /**
     * The standard normal draw of a text: Box-Muller, {@code z = sqrt(-2 ln(1 - u0)) * cos(2 pi u1)} with the
     * uniforms of {@link #uniform(String, int)}.
     */
    static double normal(String text) {
        double u0 = uniform(text, 0);
        double u1 = uniform(text, 1);
        return StrictMath.sqrt(-2 * StrictMath.log(1 - u0)) * StrictMath.cos(2 * StrictMath.PI * u1);
    }

    /**
     * The {@code k}-th uniform in [0, 1) of a text: with {@code h} the 64-bit FNV-1a of its UTF-8 bytes, the top 53
     * bits of SplitMix64's output mix of {@code h + (k + 1) * 0x9E3779B97F4A7C15}, times 2^-53.
     */
    static double uniform(String text, int k) {
        long z = fnv1a64((text == null ? "" : text).getBytes(StandardCharsets.UTF_8)) + (k + 1) * GOLDEN_GAMMA;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (z >>> 11) * 0x1.0p-53;
    }

    /** Standard 64-bit FNV-1a (offset basis 0xCBF29CE484222325, prime 0x100000001B3) of {@code bytes}. */
    static long fnv1a64(byte[] bytes) {
        long h = FNV64_OFFSET;
        for (byte b : bytes) {
            h ^= b & 0xFF;
            h *= FNV64_PRIME;
        }
        return h;
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

    /**
     * The reply of a deployment with {@code packing: ignore} to a packed request: the request read as an ordinary
     * one, {@code reply(systemInstruction, lastUserMessage)}; apply {@link #limit(String, Integer)} with the request's
     * {@code max_tokens}. Never parses as the packing JSON.
     */
    public static String ignoredPackingReply(String systemInstruction, String lastUserMessage) {
        return reply(systemInstruction, lastUserMessage);
    }

    private static int[] reversedCodePoints(String s) {
        int[] cps = s.codePoints().toArray();
        for (int i = 0, j = cps.length - 1; i < j; i++, j--) {
            int t = cps[i];
            cps[i] = cps[j];
            cps[j] = t;
        }
        return cps;
    }

    /** Appends the first {@code count} code points of {@code cps} repeated without end. */
    private static StringBuilder cycle(StringBuilder sb, int[] cps, long count) {
        for (long i = 0; i < count; i++) {
            sb.appendCodePoint(cps[(int) (i % cps.length)]);
        }
        return sb;
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
