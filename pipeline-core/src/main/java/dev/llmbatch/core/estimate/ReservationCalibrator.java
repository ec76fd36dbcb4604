package dev.llmbatch.core.estimate;

import dev.llmbatch.core.admission.DeploymentLimiter.Observation;
import java.util.EnumMap;
import java.util.Map;

/**
 * Learns, per model pool, which {@link PromptRule} the service uses to charge prompts, from its own
 * {@code x-ratelimit-remaining-tokens} headers, so the worker reserves what the service really charges instead of the
 * safe maximum of every rule (on Japanese prompts the tokenizer count is about 2.7 times the character rule that
 * Azure charges, so the safe rule pays more than twice for those prompts in quota).
 *
 * <h2>Evidence</h2>
 * Every admission records what each rule would have charged over our requests of the service's last 60 s; every
 * answer's remaining-tokens header is compared with each rule's prediction (a {@link Observation}). The rule whose
 * predictions match is the one the service uses: a wrong rule's error grows with every request in the window, while
 * the right one's stays at the noise of requests reaching the service in another order than we sent them. The mean
 * absolute error of each rule is kept over the recent observations (an exponential average).
 *
 * <h2>Decision</h2>
 * The pool starts on {@link PromptRule#MAX}. After {@code minObservations} answers it moves to the rule with the
 * smallest error, but only when that rule is clearly better than the safe one (its error at most a quarter of MAX's,
 * and MAX's error above the noise floor); while the rules cannot be told apart (English text, where both counts
 * agree) MAX stays. Once moved, it stays while its error is at most half of MAX's (no flapping between the two). Evidence keeps being weighed, so the choice follows a change of service or of workload.
 *
 * <h2>Safety</h2>
 * A wrong calibration must never cause 429s: a token 429 on a deployment of the pool, or an answer reporting less room
 * than the current rule can explain (even counting every request we admitted until that answer, since requests
 * overtake each other on the way) beyond the noise floor, snaps the pool back to MAX at once, clears the evidence,
 * and doubles the observations needed before the next move (up to 64 times), so a flapping service settles on MAX.
 *
 * <p>Not thread-safe: confined to the dispatcher's event loop.
 */
public final class ReservationCalibrator {
    /** Weight of each new observation in the error averages, once warm. */
    private static final double ALPHA = 1.0 / 64;
    /** The noise floor as a share of the deployment's TPM (requests reordered on the way to the service). */
    private static final double NOISE_SHARE = 0.002;
    private static final int MAX_BACKOFF = 64;

    private final boolean enabled;
    private final int minObservations;
    private final Map<PromptRule, Double> error = new EnumMap<>(PromptRule.class);
    /** The noise floor, averaged like the errors (it differs between a pool's deployments). */
    private double noiseAvg;
    private PromptRule current = PromptRule.MAX;
    private long observations;
    private int backoff = 1;
    private long snapBacks;
    private String lastChange = "start";

    /**
     * @param enabled         false: always {@link PromptRule#MAX}
     * @param minObservations answers to weigh before the first move away from MAX
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

    /** The mean absolute error of each rule's predictions, in tokens (NaN before the first observation). */
    public double error(PromptRule rule) {
        Double e = error.get(rule);
        return e == null ? Double.NaN : e;
    }

    /**
     * Weighs one answer.
     *
     * @return true when the rule changed
     */
    public boolean observe(Observation o) {
        if (!enabled || o == null) {
            return false;
        }
        double noise = noise(o);
        if (current != PromptRule.MAX && o.remaining() < o.floor(current) - noise) {
            return snapBack("the service reported " + o.remaining() + " tokens left where rule " + current.label()
                    + " leaves at least " + o.floor(current));
        }
        observations++;
        double a = observations < 1.0 / ALPHA ? 1.0 / observations : ALPHA;
        for (PromptRule r : PromptRule.values()) {
            double e = Math.abs((double) o.remaining() - o.predicted(r));
            error.merge(r, e, (old, x) -> old + a * (x - old));
        }
        noiseAvg += a * (noise - noiseAvg);
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
        if (observations < (long) minObservations * backoff) {
            return false;
        }
        double safe = error(PromptRule.MAX);
        PromptRule next;
        if (current != PromptRule.MAX) {
            // Stay while the chosen rule is still clearly better than the safe one (hysteresis: no flapping).
            next = error(current) <= safe / 2 ? current : PromptRule.MAX;
        } else {
            PromptRule best = PromptRule.MAX;
            for (PromptRule r : PromptRule.values()) {
                if (error(r) < error(best)) {
                    best = r;
                }
            }
            next = best != PromptRule.MAX && safe > noiseAvg && error(best) <= safe / 4 ? best : PromptRule.MAX;
        }
        if (next == current) {
            return false;
        }
        lastChange = String.format(java.util.Locale.ROOT, "%s -> %s after %d answers (mean error %.0f vs %.0f "
                + "tokens under max)", current.label(), next.label(), observations, error(next), safe);
        current = next;
        return true;
    }

    private boolean snapBack(String why) {
        boolean changed = current != PromptRule.MAX;
        current = PromptRule.MAX;
        error.clear();
        noiseAvg = 0;
        observations = 0;
        backoff = Math.min(MAX_BACKOFF, backoff * 2);
        snapBacks++;
        lastChange = "back to max: " + why;
        return changed;
    }

    private static double noise(Observation o) {
        return Math.max(2.0 * o.cost().reserve(), NOISE_SHARE * o.tokenLimit());
    }
}
