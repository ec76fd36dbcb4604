package dev.llmbatch.worker.intake;

import dev.llmbatch.worker.emission.Completion;
import java.util.ArrayList;
import java.util.List;

/**
 * Results waiting for room in their partition's commit metadata (see {@code OffsetTracker#canComplete}). Owned by
 * the Kafka loop thread; {@link #count} is readable from any thread.
 */
final class HeldResults {
    private List<Completion> held = new ArrayList<>();
    private volatile int count;

    void add(Completion c) {
        held.add(c);
        count = held.size();
    }

    /** Removes and returns everything held (the caller holds again what still does not fit). */
    List<Completion> takeAll() {
        if (held.isEmpty()) {
            return List.of();
        }
        List<Completion> all = held;
        held = new ArrayList<>();
        count = 0;
        return all;
    }

    int count() {
        return count;
    }
}
