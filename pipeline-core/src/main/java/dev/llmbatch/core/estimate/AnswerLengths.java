package dev.llmbatch.core.estimate;

import dev.llmbatch.core.config.AdaptiveMaxTokens;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Learns how long the answers to each instruction are, so a request reserves what its answer needs instead of the
 * longest answer the submitter could imagine (the service charges {@code max_tokens} in full at admission and never
 * refunds the rest).
 *
 * <p>Per instruction key (the caller's choice: the task name, or a hash of the system prompt), two decaying quantile
 * estimates ({@link DecayingQuantiles}) of the completion tokens of answers that finished on their own:
 * <ul>
 *   <li>relative to the input, {@code completion / (inputTokens + 8)}: translation-like work, whose answers grow
 *       with the text;</li>
 *   <li>absolute: classification-like work, whose answers have the same few tokens whatever the input.</li>
 * </ul>
 * The budget for an input is the smaller of the two quantiles (scaled to the input for the first) plus a margin. Each
 * way of budgeting is checked against the answers that arrive after it (would this answer have been cut?), with a
 * decaying rate: the smaller budget is used only while its observed cut rate stays within {@code 1 - quantile}
 * (with a little slack for noise); else the relative one alone if it does; else none (the job's own limit). So an
 * instruction whose answers do not follow either shape falls back by itself.
 *
 * <p>At most {@value #MAX_KEYS} instructions are kept (least recently used dropped). Not thread-safe: confined to the
 * dispatcher's event loop.
 */
public final class AnswerLengths {
    static final int MAX_KEYS = 1024;
    /** Added to the input's tokens so that very short inputs do not make the ratio explode. */
    static final int INPUT_OFFSET = 8;
    private static final int HALF_LIFE = 2000;
    private static final double CUT_ALPHA = 1.0 / 200;
    private static final double CUT_SLACK = 1.5;

    /** Instructions learned from since the last {@link #takeChanged()}. */
    private final java.util.Set<String> changed = new java.util.LinkedHashSet<>();
    private final Map<String, Learned> byKey = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Learned> eldest) {
            return size() > MAX_KEYS;
        }
    };

    /**
     * Learns from an answer: one that finished on its own ({@code finish_reason: stop}) with its length, one cut at
     * the job's own limit with that limit (its real length is at least that: counting it so keeps the budget from
     * going below a limit that answers often reach). Never from an answer cut by a learned budget.
     */
    public void observe(String key, AdaptiveMaxTokens s, int inputTokens, int completionTokens) {
        Learned l = byKey.computeIfAbsent(key, k -> new Learned());
        if (changed.size() < MAX_KEYS) {
            changed.add(key);
        }
        if (l.relative.samples() >= s.minSamples()) {
            int a = l.relativeBudget(inputTokens, s);
            int b = l.absoluteBudget(s);
            l.cutRelative += CUT_ALPHA * ((completionTokens > a ? 1 : 0) - l.cutRelative);
            l.cutSmaller += CUT_ALPHA * ((completionTokens > Math.min(a, b) ? 1 : 0) - l.cutSmaller);
        }
        l.relative.add((double) completionTokens / (Math.max(0, inputTokens) + INPUT_OFFSET));
        l.absolute.add(Math.max(1, completionTokens));
    }

    /**
     * The learned budget for an input of {@code inputTokens} tokens under this instruction, or empty while there is
     * too little evidence (or learned budgets keep cutting answers). Not capped: the caller takes the minimum with the
     * job's own limit.
     */
    public OptionalInt budget(String key, AdaptiveMaxTokens s, int inputTokens) {
        if (!s.enabled()) {
            return OptionalInt.empty();
        }
        Learned l = byKey.get(key);
        if (l == null || l.relative.samples() < s.minSamples()) {
            return OptionalInt.empty();
        }
        double allowed = (1 - s.quantile()) * CUT_SLACK;
        int a = l.relativeBudget(inputTokens, s);
        if (l.cutSmaller <= allowed) {
            return OptionalInt.of(Math.min(a, l.absoluteBudget(s)));
        }
        return l.cutRelative <= allowed ? OptionalInt.of(a) : OptionalInt.empty();
    }

    /** Answers learned for {@code key} (0 if unknown). */
    public long samples(String key) {
        Learned l = byKey.get(key);
        return l == null ? 0 : l.relative.samples();
    }

    /** Instructions currently learned. */
    public int keys() {
        return byKey.size();
    }

    /** A snapshot of every instruction's state, for persisting: key to a flat array (see {@link #restore}). */
    public Map<String, double[]> snapshot() {
        Map<String, double[]> out = new LinkedHashMap<>();
        byKey.forEach((k, l) -> out.put(k, state(l)));
        return out;
    }

    /** The state of the instructions learned from since the last call (see {@link #restore}). */
    public Map<String, double[]> takeChanged() {
        Map<String, double[]> out = new LinkedHashMap<>();
        for (String k : changed) {
            Learned l = byKey.get(k);
            if (l != null) {
                out.put(k, state(l));
            }
        }
        changed.clear();
        return out;
    }

    private static double[] state(Learned l) {
        {
            double[] r = l.relative.snapshot();
            double[] a = l.absolute.snapshot();
            double[] all = new double[r.length + a.length + 2];
            System.arraycopy(r, 0, all, 0, r.length);
            System.arraycopy(a, 0, all, r.length, a.length);
            all[all.length - 2] = l.cutRelative;
            all[all.length - 1] = l.cutSmaller;
            return all;
        }
    }

    /** Restores one instruction from {@link #snapshot()}; false (and nothing learned) if the shape differs. */
    public boolean restore(String key, double[] state) {
        Learned l = new Learned();
        int r = l.relative.snapshot().length;
        int a = l.absolute.snapshot().length;
        if (state == null || state.length != r + a + 2) {
            return false;
        }
        double[] rs = new double[r];
        double[] as = new double[a];
        System.arraycopy(state, 0, rs, 0, r);
        System.arraycopy(state, r, as, 0, a);
        if (!l.relative.restore(rs) || !l.absolute.restore(as)) {
            return false;
        }
        l.cutRelative = clamp01(state[state.length - 2]);
        l.cutSmaller = clamp01(state[state.length - 1]);
        byKey.put(key, l);
        return true;
    }

    private static double clamp01(double v) {
        return v >= 0 && v <= 1 ? v : 0;
    }

    private static final class Learned {
        final DecayingQuantiles relative = new DecayingQuantiles(0.001, 1000, HALF_LIFE);
        final DecayingQuantiles absolute = new DecayingQuantiles(1, 1 << 20, HALF_LIFE);
        double cutRelative;
        double cutSmaller;

        int relativeBudget(int inputTokens, AdaptiveMaxTokens s) {
            double q = relative.quantile(s.quantile());
            return (int) Math.min(Integer.MAX_VALUE,
                    Math.ceil(q * (Math.max(0, inputTokens) + INPUT_OFFSET) * (1 + s.margin())));
        }

        int absoluteBudget(AdaptiveMaxTokens s) {
            return (int) Math.min(Integer.MAX_VALUE, Math.ceil(absolute.quantile(s.quantile()) * (1 + s.margin())));
        }
    }
}
