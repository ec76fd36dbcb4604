package dev.llmbatch.core.estimate;

import dev.llmbatch.core.admission.DeploymentLimiter.Observation;

/**
 * Learns, per model pool, the cheapest {@link PromptRule} that never undercounts what the service charges, from its
 * own {@code x-ratelimit-remaining-tokens} headers, so the worker reserves what the service really charges instead of
 * the safe maximum of every rule (on Japanese prompts the tokenizer count is about 2.7 times the character rule that
 * Azure charges, so the safe rule pays more than twice for those prompts in quota).
 *
 * <h2>Evidence</h2>
 * Every answer's remaining-tokens header is compared with the least each rule says the service can have left: our own
 * requests over the service's window, priced by that rule, counting every request admitted until the answer (requests
 * overtake each other on the way, so any of them may have been counted). A rule that undercounts the service's charge
 * is <em>contradicted</em>: the service reports less room than the rule can explain, by more than the noise of window
 * edges. An observation is <em>telling</em> for a rule when the rule and the safe maximum differ there by more than
 * that noise (with few requests in the window, every rule fits).
 *
 * <h2>Decision</h2>
 * The pool starts on {@link PromptRule#MAX}. A rule is admissible once it has {@code minObservations} telling
 * observations and was contradicted in at most 1% of them (decaying averages, so evidence keeps being weighed);
 * among the admissible rules the pool reserves by the one that charges least on recent traffic. While nothing tells
 * the rules apart (English text, where the counts nearly agree) the pool stays on MAX.
 *
 * <h2>Safety</h2>
 * A wrong calibration must never cause 429s: a token 429 on a deployment of the pool, or an answer that contradicts the
 * current rule, snaps the pool back to MAX at once, clears the evidence, and doubles the observations needed before the
 * next move (up to 64 times), so a flapping service settles on MAX.
 *
 * <p>Not thread-safe: confined to the dispatcher's event loop.
 */
public final class ReservationCalibrator {
    private static final double ALPHA = 1.0 / 128;
    /** The noise floor as a share of the deployment's TPM (window edges seen a little apart by us and the service). */
    private static final double NOISE_SHARE = 0.002;
    private static final double MAX_CONTRADICTED = 0.01;
    private static final int MAX_BACKOFF = 64;
    private static final PromptRule[] CANDIDATES = {PromptRule.CHARS, PromptRule.TOKENS};

    private final boolean enabled;
    private final int minObservations;
    private final long[] telling = new long[PromptRule.values().length];
    private final double[] contradicted = new double[PromptRule.values().length];
    /** Recent average of (MAX's floor - this rule's floor): how many tokens this rule reserves less. */
    private final double[] saving = new double[PromptRule.values().length];
    private PromptRule current = PromptRule.MAX;
    private long observations;
    private int backoff = 1;
    private long snapBacks;
    private String lastChange = "start";

    /**
     * @param enabled         false: always {@link PromptRule#MAX}
     * @param minObservations telling answers a rule needs before the pool reserves by it
     */
    public ReservationCalibrator(boolean enabled, int minObservations) {
        if (minObservations < 1) {
            throw new IllegalArgumentException("minObservations must be >= 1");
        }
        this.enabled = enabled;
        this.minObservations = minObservations;
    }

    /** The rule to reserve prompts by now. */
    public PromptRule rule() {
        return current;
    }

    /** How often the pool snapped back to the safe rule. */
    public long snapBacks() {
        return snapBacks;
    }

    /** Answers weighed since the last snap-back. */
    public long observations() {
        return observations;
    }

    /** Why the rule last changed, for the status page and logs. */
    public String lastChange() {
        return lastChange;
    }

    /**
     * Weighs one answer.
     *
     * @return true when the rule changed
     */
    public boolean observe(Observation o) {
        if (!enabled || o == null || o.floor(PromptRule.MAX) == Long.MIN_VALUE) {
            return false;
        }
        double noise = Math.max(2.0 * o.cost().reserve(), NOISE_SHARE * o.tokenLimit());
        if (current != PromptRule.MAX && o.remaining() < o.floor(current) - noise) {
            return snapBack("the service reported " + o.remaining() + " tokens left where rule " + current.label()
                    + " leaves at least " + o.floor(current));
        }
        observations++;
        for (PromptRule r : CANDIDATES) {
            int i = r.ordinal();
            double difference = o.floor(r) - o.floor(PromptRule.MAX);
            saving[i] += ALPHA * (difference - saving[i]);
            if (difference > 2 * noise) {
                telling[i]++;
                double a = telling[i] < 1 / ALPHA ? 1.0 / telling[i] : ALPHA;
                contradicted[i] += a * ((o.remaining() < o.floor(r) - noise ? 1 : 0) - contradicted[i]);
            }
        }
        return choose();
    }

    /** The service answered 429 for tokens on a deployment of this pool. */
    public boolean onTokenRateLimited() {
        if (!enabled || current == PromptRule.MAX) {
            return false;
        }
        return snapBack("a token rate limit (429) under rule " + current.label());
    }

    private boolean choose() {
        PromptRule next = PromptRule.MAX;
        double best = 0;
        for (PromptRule r : CANDIDATES) {
            int i = r.ordinal();
            boolean admissible = telling[i] >= (long) minObservations * backoff
                    && contradicted[i] <= MAX_CONTRADICTED;
            if (admissible && saving[i] > best) {
                best = saving[i];
                next = r;
            }
        }
        if (next == current) {
            return false;
        }
        lastChange = String.format(java.util.Locale.ROOT, "%s -> %s after %d answers (%d telling, %.1f%% "
                + "contradicted; reserves %.0f tokens less per window than max)", current.label(), next.label(),
                observations, next == PromptRule.MAX ? 0 : telling[next.ordinal()],
                next == PromptRule.MAX ? 0 : 100 * contradicted[next.ordinal()], best);
        current = next;
        return true;
    }

    private boolean snapBack(String why) {
        boolean changed = current != PromptRule.MAX;
        current = PromptRule.MAX;
        java.util.Arrays.fill(telling, 0);
        java.util.Arrays.fill(contradicted, 0);
        java.util.Arrays.fill(saving, 0);
        observations = 0;
        backoff = Math.min(MAX_BACKOFF, backoff * 2);
        snapBacks++;
        lastChange = "back to max: " + why;
        return changed;
    }
}
