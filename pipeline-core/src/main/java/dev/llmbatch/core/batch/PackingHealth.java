package dev.llmbatch.core.batch;

import dev.llmbatch.core.time.Ticker;
import java.time.Duration;

/**
 * Whether packing still pays for a model pool. A model that ignores the reply schema makes every packed request a
 * wasted call (its items are then sent again, by halves or alone), so a pool whose packed replies keep coming back
 * unusable stops packing instead of paying for them, and tries one packed request again now and then in case the
 * model (or its deployment) changed.
 *
 * <p>A packed reply counts as <em>unusable</em> when fewer than half of its items got an answer for a reason of
 * the model's (malformed or missing items), not of ours (a reply cut at max_tokens, a content filter). Packing stops
 * after {@value #FAILURES_TO_STOP} unusable replies in a row; then one batch may be opened per {@code reprobe}
 * period as a probe (the period doubles after each unusable reply while stopped, up to 16 times); a usable packed
 * reply resumes packing.
 *
 * <p>Not thread-safe: confined to the dispatcher's event loop.
 */
public final class PackingHealth {
    static final int FAILURES_TO_STOP = 3;
    private static final int MAX_BACKOFF = 16;

    private final Ticker ticker;
    private final long reprobeNanos;
    private int failuresInARow;
    private boolean stopped;
    private long nextProbeAt;
    private int backoff = 1;
    private long stops;
    private boolean proven;

    public PackingHealth(Ticker ticker, Duration reprobe) {
        this.ticker = ticker;
        this.reprobeNanos = reprobe.toNanos();
    }

    /**
     * Whether jobs may be packed now. While stopped, true once per re-probe period (that batch is the probe; its
     * reply must be reported with {@link #onReply}).
     */
    public boolean allowPacking() {
        if (!stopped) {
            return true;
        }
        long now = ticker.nanos();
        if (now - nextProbeAt >= 0) {
            nextProbeAt = now + reprobeNanos * backoff;
            return true;
        }
        return false;
    }

    /**
     * Whether a usable packed reply has come back since packing (re)started: until then the dispatcher keeps only a
     * few packed requests in flight, so a model that ignores the schema wastes a few calls, not a whole backlog's.
     */
    public boolean proven() {
        return proven;
    }

    /** Whether packing is stopped for this pool. */
    public boolean stopped() {
        return stopped;
    }

    /** How often packing was stopped. */
    public long stops() {
        return stops;
    }

    /**
     * Reports a packed reply of the model.
     *
     * @param items    items in the request
     * @param answered items that got a usable answer
     * @return true when packing was stopped or resumed by this reply
     */
    public boolean onReply(int items, int answered) {
        boolean usable = answered * 2 >= items;
        proven |= usable;
        if (stopped) {
            if (usable) {
                stopped = false;
                failuresInARow = 0;
                backoff = 1;
                return true;
            }
            backoff = Math.min(MAX_BACKOFF, backoff * 2);
            nextProbeAt = ticker.nanos() + reprobeNanos * backoff;
            return false;
        }
        if (usable) {
            failuresInARow = 0;
            return false;
        }
        if (++failuresInARow >= FAILURES_TO_STOP) {
            stopped = true;
            proven = false;
            stops++;
            nextProbeAt = ticker.nanos() + reprobeNanos;
            return true;
        }
        return false;
    }
}
