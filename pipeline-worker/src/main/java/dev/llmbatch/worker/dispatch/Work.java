package dev.llmbatch.worker.dispatch;

import dev.llmbatch.core.job.Priority;
import dev.llmbatch.core.request.RequestSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One request on its way through admission and dispatch: a single job, or several jobs packed with the
 * {@code PackingProtocol}. Carries the attempt state (calls, retriable failures, regions to avoid, trace).
 * Confined to the dispatcher's event loop.
 */
final class Work {
    final List<Item> items;
    final boolean packed;
    final String pool;
    final Priority priority;
    RequestSpec spec;
    long reserveTokens;
    final Set<String> avoid = new HashSet<>(2);
    final List<String> trace = new ArrayList<>(2);
    int calls;
    int failures;

    Work(List<Item> items, boolean packed, RequestSpec spec, long reserveTokens) {
        this.items = new ArrayList<>(items);
        this.packed = packed;
        this.pool = items.get(0).job.pool().name();
        this.priority = items.get(0).job.job().priority();
        this.spec = spec;
        this.reserveTokens = reserveTokens;
    }

    static Work single(Item item) {
        return new Work(List.of(item), false, RequestSpec.of(item.job), item.job.reserveTokens());
    }
}
