package dev.llmbatch.core.time;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A manually advanced {@link Ticker} for tests. Thread-safe. */
public final class FakeTicker implements Ticker {
    private final AtomicLong nanos = new AtomicLong();

    @Override
    public long nanos() {
        return nanos.get();
    }

    /** Moves the clock forward. */
    public void advance(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("cannot move a clock backwards: " + d);
        }
        nanos.addAndGet(d.toNanos());
    }
}
