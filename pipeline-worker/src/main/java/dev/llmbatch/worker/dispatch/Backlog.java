package dev.llmbatch.worker.dispatch;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/** Every pool's {@link Lane} and how many requests wait in them. Confined to the dispatcher's event loop. */
final class Backlog {
    private final Map<String, Lane> lanes = new LinkedHashMap<>();
    private int waiting;

    void add(Lane lane) {
        lanes.put(lane.pool.name(), lane);
    }

    Lane lane(String pool) {
        return lanes.get(pool);
    }

    Collection<Lane> lanes() {
        return lanes.values();
    }

    /** Queues a request at the back of its pool's queue, or at the front (a retry keeps its place). */
    void enqueue(Work w, boolean front) {
        lanes.get(w.pool).add(w, front);
        waiting++;
    }

    /** Takes the head of {@code lane}'s queue off, counted out of the backlog. */
    Work poll(Lane lane) {
        Work w = lane.poll();
        if (w != null) {
            waiting--;
        }
        return w;
    }

    int waiting() {
        return waiting;
    }
}
