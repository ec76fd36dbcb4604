package dev.llmbatch.core.admission;

import dev.llmbatch.core.config.WorkerSettings.BreakerSettings;
import dev.llmbatch.core.outcome.CallOutcome;
import dev.llmbatch.core.time.Ticker;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

/**
 * The health of one deployment, apart from its quota: stops sending to a region that fails (5xx, 408, timeouts,
 * broken connections) until one probe call shows it answers again. A 429 is no failure here: it is quota, handled by
 * the deployment's cooldown for exactly the time the service asked.
 *
 * <ul>
 *   <li><b>Closed</b>: every call is admitted. Answered calls are counted in a rolling window of
 *       {@code window} (ten buckets of a tenth each). When the window holds at least {@code minimumCalls} calls and at
 *       least {@code failureRate} of them failed, the breaker opens.</li>
 *   <li><b>Open</b>: nothing is admitted for the open period: {@code open} the first time, doubled after each failed
 *       probe, at most {@code maxOpen}. Then it is half-open.</li>
 *   <li><b>Half-open</b>: exactly one call, the probe, is admitted at a time. An answer from the region closes the
 *       breaker (and resets the open period); a failure opens it again for the next, longer period; a 429 ends the
 *       probe without a verdict (the cooldown decides when the next one goes).</li>
 * </ul>
 *
 * <p>What counts: a {@link CallOutcome.Retriable} with a status other than 200 is a failure; a success, a permanent
 * error (400, 401, 404, ...), a filtered prompt or a garbled 200 is an answer (the region is up; those are the
 * request's fault, not the region's); a {@link CallOutcome.RateLimited} is ignored. Every admitted call carries the
 * {@link Permit} it got: a result whose permit predates the last state change is ignored, so calls that were in
 * flight when the breaker opened (a hung region answers them a request timeout later) neither re-open a breaker
 * that has moved on nor pass for the probe.
 *
 * <p>An open breaker never fails a job: the region is simply not chosen, and {@link #nanosUntilPermitted()} tells
 * the selector when to look again. Thread-safe (every method locks this breaker; calls are per request, so the lock is
 * uncontended in practice). The {@link Listener} is called on the thread that caused a transition, with the lock
 * held; that includes a reader that finds an open period over, since the half-open state is entered lazily.
 */
public final class CircuitBreaker {
    private static final int BUCKETS = 10;
    private static final long EMPTY = Long.MIN_VALUE;
    private static final Permit UNCHECKED = new Permit(0, false);

    /** Breaker states; {@link #gaugeValue()} is what the {@code llm_breaker_state} gauge shows. */
    public enum State {
        CLOSED, HALF_OPEN, OPEN;

        /** 0 closed, 1 half-open, 2 open. */
        public int gaugeValue() {
            return ordinal();
        }

        /** Lower-case name for logs, labels and the status page: closed, half_open, open. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Told of every state change. Must be quick and must not block: it runs with the breaker locked. */
    @FunctionalInterface
    public interface Listener {
        Listener NONE = (from, to, reason) -> { };

        /** @param reason why, for a log line: counts, durations and an outcome label; never a prompt or key */
        void onTransition(State from, State to, String reason);
    }

    /**
     * Permission for one call, handed back with its result to {@link #onResult} (or to {@link #cancel} when the call
     * was not made after all). {@code epoch} is the breaker's state generation when the call was admitted.
     */
    public record Permit(long epoch, boolean probe) {
    }

    private enum Verdict { ANSWERED, FAILED, IGNORED }

    private final boolean enabled;
    private final Ticker ticker;
    private final Listener listener;
    private final double failureRate;
    private final int minimumCalls;
    private final long windowNanos;
    private final long bucketNanos;
    private final long openNanos;
    private final long maxOpenNanos;
    private final long[] bucketIndex = new long[BUCKETS];
    private final int[] calls = new int[BUCKETS];
    private final int[] failures = new int[BUCKETS];

    private State state = State.CLOSED;
    /** Incremented on every transition; permits from an older epoch carry no news about the current state. */
    private long epoch;
    private long openedAt;
    private long openFor;
    private int failedProbes;
    private boolean probeInFlight;

    /**
     * @param settings validated settings (see {@code ConfigLoader}); durations are on {@code ticker}'s time
     * @throws IllegalArgumentException for settings that cannot work (non-positive durations, rate outside (0, 1])
     */
    public CircuitBreaker(BreakerSettings settings, Ticker ticker, Listener listener) {
        this.enabled = settings.enabled();
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.failureRate = settings.failureRate();
        this.minimumCalls = settings.minimumCalls();
        this.windowNanos = settings.window().toNanos();
        this.openNanos = settings.open().toNanos();
        this.maxOpenNanos = settings.maxOpen().toNanos();
        if (!(failureRate > 0 && failureRate <= 1) || minimumCalls < 1 || windowNanos <= 0 || openNanos <= 0
                || maxOpenNanos < openNanos) {
            throw new IllegalArgumentException("invalid breaker settings " + settings);
        }
        this.bucketNanos = Math.max(1, windowNanos / BUCKETS);
        Arrays.fill(bucketIndex, EMPTY);
    }

    /** A breaker that is always closed and counts nothing (for limiters built without one). */
    public static CircuitBreaker disabled() {
        return new CircuitBreaker(new BreakerSettings(false, 1.0, 1, Duration.ofSeconds(1), Duration.ofSeconds(1),
                Duration.ofSeconds(1)), Ticker.system(), Listener.NONE);
    }

    public boolean enabled() {
        return enabled;
    }

    public synchronized State state() {
        refresh();
        return state;
    }

    /** Whether {@link #tryAcquire} would grant a permit now. */
    public synchronized boolean permitsCall() {
        return nanosUntilPermitted() == 0;
    }

    /**
     * 0 when a call would be admitted now; the rest of the open period while open; {@code Long.MAX_VALUE} while the
     * probe is out (its result, not time, decides what comes next).
     */
    public synchronized long nanosUntilPermitted() {
        refresh();
        return switch (state) {
            case CLOSED -> 0;
            case HALF_OPEN -> probeInFlight ? Long.MAX_VALUE : 0;
            case OPEN -> Math.max(1, openFor - (ticker.nanos() - openedAt));
        };
    }

    /** Remaining open period; zero unless open. */
    public synchronized Duration openRemaining() {
        refresh();
        return state == State.OPEN ? Duration.ofNanos(Math.max(0, openFor - (ticker.nanos() - openedAt)))
                : Duration.ZERO;
    }

    /**
     * Admits one call, or returns null: while open, and while half-open with the probe out. In the half-open state
     * the returned permit is the probe.
     */
    public synchronized Permit tryAcquire() {
        if (!enabled) {
            return UNCHECKED;
        }
        refresh();
        switch (state) {
            case CLOSED:
                return new Permit(epoch, false);
            case HALF_OPEN:
                if (probeInFlight) {
                    return null;
                }
                probeInFlight = true;
                return new Permit(epoch, true);
            default:
                return null;
        }
    }

    /** The call admitted with {@code permit} was not made (another limit refused it): frees the probe slot. */
    public synchronized void cancel(Permit permit) {
        if (enabled && permit.probe() && permit.epoch() == epoch && state == State.HALF_OPEN) {
            probeInFlight = false;
        }
    }

    /** Records how the call admitted with {@code permit} ended; may open or close the breaker. */
    public synchronized void onResult(Permit permit, CallOutcome outcome) {
        if (!enabled) {
            return;
        }
        refresh();
        if (permit.epoch() != epoch) {
            return;
        }
        Verdict v = verdict(outcome);
        if (permit.probe()) {
            probeInFlight = false;
            if (v == Verdict.ANSWERED) {
                close("probe answered " + outcome.label());
            } else if (v == Verdict.FAILED) {
                failedProbes++;
                open(openPeriod(failedProbes), "probe failed with " + outcome.label());
            }
            return;
        }
        if (state != State.CLOSED || v == Verdict.IGNORED) {
            return;
        }
        long now = ticker.nanos();
        record(now, v == Verdict.FAILED);
        if (v == Verdict.FAILED) {
            int[] t = totals(now);
            if (t[0] >= minimumCalls && t[1] >= failureRate * t[0]) {
                open(openNanos, t[1] + " of " + t[0] + " calls failed within " + windowNanos / 1_000_000
                        + " ms, the last with " + outcome.label());
            }
        }
    }

    private static Verdict verdict(CallOutcome o) {
        if (o instanceof CallOutcome.RateLimited || o instanceof CallOutcome.Misconfigured) {
            return Verdict.IGNORED; // a cooldown, or the deployment put aside as misconfigured: not its health
        }
        if (o instanceof CallOutcome.Retriable r && r.status() != 200) {
            return Verdict.FAILED;
        }
        return Verdict.ANSWERED;
    }

    /** The open period after {@code failedProbes} failed probes: doubled each time, capped. */
    private long openPeriod(int failedProbes) {
        long p = openNanos;
        for (int i = 0; i < failedProbes && p < maxOpenNanos; i++) {
            p = p > maxOpenNanos / 2 ? maxOpenNanos : p * 2;
        }
        return Math.min(p, maxOpenNanos);
    }

    private void refresh() {
        if (state == State.OPEN && ticker.nanos() - openedAt >= openFor) {
            moveTo(State.HALF_OPEN, "open period of " + openFor / 1_000_000 + " ms over; admitting one probe");
        }
    }

    private void open(long forNanos, String reason) {
        openedAt = ticker.nanos();
        openFor = forNanos;
        moveTo(State.OPEN, reason + "; open for " + forNanos / 1_000_000 + " ms");
    }

    private void close(String reason) {
        failedProbes = 0;
        Arrays.fill(bucketIndex, EMPTY);
        moveTo(State.CLOSED, reason);
    }

    private void moveTo(State to, String reason) {
        State from = state;
        state = to;
        epoch++;
        probeInFlight = false;
        listener.onTransition(from, to, reason);
    }

    private void record(long now, boolean failed) {
        long idx = Math.floorDiv(now, bucketNanos);
        int slot = (int) Math.floorMod(idx, (long) BUCKETS);
        if (bucketIndex[slot] != idx) {
            bucketIndex[slot] = idx;
            calls[slot] = 0;
            failures[slot] = 0;
        }
        calls[slot]++;
        if (failed) {
            failures[slot]++;
        }
    }

    /** {calls, failures} in the buckets of the current window. */
    private int[] totals(long now) {
        long idx = Math.floorDiv(now, bucketNanos);
        int c = 0;
        int f = 0;
        for (int i = 0; i < BUCKETS; i++) {
            long b = bucketIndex[i];
            if (b != EMPTY && idx - b >= 0 && idx - b < BUCKETS) {
                c += calls[i];
                f += failures[i];
            }
        }
        return new int[] {c, f};
    }
}
