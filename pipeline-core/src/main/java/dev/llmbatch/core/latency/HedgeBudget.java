package dev.llmbatch.core.latency;

import dev.llmbatch.core.config.HedgingSettings;
import dev.llmbatch.core.time.Ticker;
import java.time.Duration;
import java.util.Objects;

/**
 * The extra tokens hedges may spend: over a sliding window (default 60 s, the span of the service's token window),
 * hedge tokens may be at most {@code max-extra-token-share} of the tokens admitted for ordinary calls. The window is
 * kept in 60 slots of window/60 each, so memory is fixed and tokens leave the window between
 * {@code window - window/60} and {@code window} after they were counted.
 *
 * <p>Call {@link #recordAdmitted} for every ordinary admission (first attempts and retries, not hedges), and
 * {@link #tryReserve} before sending a hedge: it says yes only if {@code (hedge + extra) / admitted <= share} and
 * then counts the extra tokens; {@link #refund} gives them back when the hedge is not sent after all. With nothing
 * admitted in the window, nothing may be hedged.
 *
 * <p>Not thread-safe: use it from one thread (the dispatcher's event loop).
 */
public final class HedgeBudget {
    private static final int SLOTS = 60;

    private final Ticker ticker;
    private final double maxShare;
    private final long slotNanos;
    private final long[] admitted = new long[SLOTS];
    private final long[] hedged = new long[SLOTS];
    private long admittedSum;
    private long hedgedSum;
    /** Absolute slot number (ticker nanos / slotNanos) of the newest slot written. */
    private long head;

    /**
     * @param maxExtraTokenShare hedge tokens / admitted tokens allowed over the window, in [0, 1]
     * @param window             the sliding window, at least 60 ms (one millisecond per slot)
     * @param ticker             the clock the window slides on
     */
    public HedgeBudget(double maxExtraTokenShare, Duration window, Ticker ticker) {
        if (!(maxExtraTokenShare >= 0 && maxExtraTokenShare <= 1)) {
            throw new IllegalArgumentException("max extra token share must be in [0, 1], got " + maxExtraTokenShare);
        }
        if (window.toMillis() < SLOTS) {
            throw new IllegalArgumentException("window must be at least " + SLOTS + " ms, got " + window);
        }
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.maxShare = maxExtraTokenShare;
        this.slotNanos = window.toNanos() / SLOTS;
        this.head = Math.floorDiv(ticker.nanos(), slotNanos);
    }

    /** The budget of a pool's settings ({@code max-extra-token-share}, {@code window-ms}). */
    public static HedgeBudget of(HedgingSettings settings, Ticker ticker) {
        return new HedgeBudget(settings.maxExtraTokenShare(), Duration.ofMillis(settings.windowMs()), ticker);
    }

    /** Counts tokens admitted for an ordinary call (not a hedge). */
    public void recordAdmitted(long tokens) {
        if (tokens <= 0) {
            return;
        }
        int i = advance();
        admitted[i] += tokens;
        admittedSum += tokens;
    }

    /**
     * Whether a hedge of {@code extraTokens} fits the budget; if so they are counted as spent.
     *
     * @return true if {@code (hedge tokens in the window + extraTokens) / admitted tokens in the window <= share}
     */
    public boolean tryReserve(long extraTokens) {
        if (extraTokens < 0) {
            throw new IllegalArgumentException("extra tokens must be >= 0, got " + extraTokens);
        }
        int i = advance();
        if (admittedSum == 0 || (double) (hedgedSum + extraTokens) > maxShare * admittedSum) {
            return false;
        }
        hedged[i] += extraTokens;
        hedgedSum += extraTokens;
        return true;
    }

    /** Gives back tokens of a reservation whose hedge was not sent (still in the window; else nothing to do). */
    public void refund(long tokens) {
        int i = advance();
        long left = Math.max(0, tokens);
        // newest slots first: the reservation was made recently
        for (int k = 0; k < SLOTS && left > 0; k++) {
            int j = Math.floorMod(i - k, SLOTS);
            long take = Math.min(left, hedged[j]);
            hedged[j] -= take;
            hedgedSum -= take;
            left -= take;
        }
    }

    /** Tokens admitted for ordinary calls within the window. */
    public long admittedTokens() {
        advance();
        return admittedSum;
    }

    /** Tokens reserved by hedges within the window. */
    public long hedgeTokens() {
        advance();
        return hedgedSum;
    }

    /** Hedge tokens / admitted tokens within the window (0 when nothing was admitted). */
    public double extraShare() {
        advance();
        return admittedSum == 0 ? 0 : (double) hedgedSum / admittedSum;
    }

    /** Clears the slots that left the window since the last call; returns the index of the current slot. */
    private int advance() {
        long now = Math.floorDiv(ticker.nanos(), slotNanos);
        long gap = now - head;
        if (gap > 0) {
            for (long k = 1; k <= Math.min(gap, SLOTS); k++) {
                int j = (int) Math.floorMod(head + k, (long) SLOTS);
                admittedSum -= admitted[j];
                hedgedSum -= hedged[j];
                admitted[j] = 0;
                hedged[j] = 0;
            }
            head = now;
        }
        return (int) Math.floorMod(head, (long) SLOTS);
    }
}
