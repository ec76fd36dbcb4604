package dev.llmbatch.bench;

import dev.llmbatch.core.job.ChatMessage;
import dev.llmbatch.core.job.Job;
import dev.llmbatch.core.job.JobCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Deterministic job sets. Prompts are English prose from a fixed vocabulary, so the tokenizer count stays below the
 * service's {@code ceil(chars/4) + 1} rule and the worker reserves exactly what the service charges.
 */
public final class Workload {
    public static final String MODEL = "gpt-4o-mini";
    public static final String SYSTEM = "Classify the sentiment of the customer review as positive, negative or "
            + "neutral. Reply with one word.";
    public static final int MAX_TOKENS = 5;

    private static final String[] WORDS = ("the a battery screen phone lasts long and is bright but camera quality "
            + "price was good bad great poor delivery arrived late early box damaged support helpful friendly slow "
            + "fast charger cable works fine after update software crashes sometimes when I use it outdoors light "
            + "weight feels solid cheap plastic back cover scratches easily sound speaker loud clear calls dropped "
            + "signal strong weak wifi bluetooth pairing easy hard setup took minutes hours returned replaced refund "
            + "store staff recommended would buy again never happy disappointed overall value money worth every "
            + "penny expected more from this brand my old model better worse than day night photos sharp blurry "
            + "colours accurate washed out app store games run smooth lag heat gets warm during video streaming "
            + "display size perfect hands small pocket fits nicely keyboard typing comfortable fingerprint sensor "
            + "face unlock reliable memory storage plenty enough space for music").split(" ");

    private Workload() {
    }

    /** One job and its encoded value. {@code cost} is what the service charges at admission. */
    public record Item(String id, byte[] value, long cost, Job job) {
    }

    /** Review text of about {@code chars} characters. */
    static String prose(SplittableRandom rnd, int chars) {
        StringBuilder sb = new StringBuilder(chars + 16);
        while (sb.length() < chars) {
            if (sb.length() > 0) {
                sb.append(rnd.nextInt(12) == 0 ? ". " : " ");
            }
            sb.append(WORDS[rnd.nextInt(WORDS.length)]);
        }
        return sb.toString();
    }

    /** Service charge for a job (reference 3.2, gpt-4o rule): ceil(content code points / 4) + 1 + max_tokens. */
    public static long serviceCost(Job job) {
        long cps = 0;
        for (ChatMessage m : job.messages()) {
            cps += m.content().codePointCount(0, m.content().length());
        }
        return (cps + 3) / 4 + 1 + (long) job.maxTokens() * job.n();
    }

    /** A sentiment job whose user message is about {@code chars} characters. */
    public static Item job(String id, SplittableRandom rnd, int chars) {
        Job job = Job.ofMessages(id, MODEL, List.of(new ChatMessage("system", SYSTEM),
                new ChatMessage("user", prose(rnd, chars))), MAX_TOKENS);
        return new Item(id, JobCodec.encode(job), serviceCost(job), job);
    }

    /**
     * Token-bound jobs: prompts of 4,000..6,000 characters (about 1,000..1,500 tokens charged) and max_tokens 5, so
     * TPM binds long before RPM (6 requests per minute per 1K TPM would need jobs under ~170 tokens).
     */
    public static List<Item> tokenBound(String prefix, int count, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Item> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(job(String.format("%s-%07d", prefix, i), rnd, 4000 + rnd.nextInt(2001)));
        }
        return out;
    }

    /** Short jobs (a 200..600-character review, ~60..160 tokens), the typical bulk classification record. */
    public static Item small(String prefix, int i, SplittableRandom rnd) {
        return job(String.format("%s-%08d", prefix, i), rnd, 200 + rnd.nextInt(401));
    }

    /** Jobs of {@code chars} characters. */
    public static List<Item> sized(String prefix, int count, long seed, int minChars, int maxChars) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Item> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(job(String.format("%s-%07d", prefix, i), rnd, minChars + rnd.nextInt(maxChars - minChars + 1)));
        }
        return out;
    }

    /** Sum of the service's charges. */
    public static long totalCost(List<Item> items) {
        return items.stream().mapToLong(Item::cost).sum();
    }
}
