package dev.llmbatch.worker.dispatch;

import dev.llmbatch.core.admission.RegionSelector;
import dev.llmbatch.core.batch.PackingHealth;
import dev.llmbatch.core.config.ModelPool;
import dev.llmbatch.core.estimate.ReservationCalibrator;
import dev.llmbatch.core.estimate.TokenEstimator;
import dev.llmbatch.core.job.Priority;
import dev.llmbatch.core.latency.HedgeBudget;
import dev.llmbatch.core.latency.LatencyModel;
import dev.llmbatch.core.time.Ticker;
import java.util.ArrayDeque;
import java.util.EnumMap;

/**
 * The queue of one model pool (per priority, FIFO) and what the pool has learned: its deployments' selector, its
 * prompt rule, whether its model follows the packing schema, how long its deployments take and what its hedges may
 * still spend. Confined to the dispatcher's event loop.
 */
final class Lane {
    final RegionSelector selector;
    final ModelPool pool;
    final ReservationCalibrator calibrator;
    final PackingHealth packing;
    final TokenEstimator estimator;
    final LatencyModel latency;
    final HedgeBudget hedgeBudget;
    /** What {@link #latency} and {@link #hedgeBudget} held at the last {@link #refreshViews}: for other threads. */
    volatile java.util.Map<String, LatencyModel.DeploymentLatency> latencyView = java.util.Map.of();
    volatile double hedgeShareView;
    /** Requests whose call straggles but whose hedge had to wait (backlog, room, budget): see {@code Hedger}. */
    final java.util.Set<Work> stragglers = new java.util.LinkedHashSet<>();
    private final EnumMap<Priority, ArrayDeque<Work>> queues = new EnumMap<>(Priority.class);
    /** Packed requests of this pool in a call now. */
    int packedInFlight;
    /** The pending wake-up timer (-1: none) and when it fires (real monotonic nanos). */
    long wakeTimer = -1;
    long wakeAt;

    /** @param ticker real monotonic time (call durations, the hedge budget's window) */
    Lane(RegionSelector selector, ModelPool pool, ReservationCalibrator calibrator, PackingHealth packing,
            TokenEstimator estimator, Ticker ticker) {
        this.selector = selector;
        this.pool = pool;
        this.calibrator = calibrator;
        this.packing = packing;
        this.estimator = estimator;
        this.latency = new LatencyModel(pool.hedging(), ticker);
        this.hedgeBudget = HedgeBudget.of(pool.hedging(), ticker);
        for (Priority p : Priority.values()) {
            queues.put(p, new ArrayDeque<>());
        }
    }

    /** Publishes the learned latencies and the hedge budget's share for the status page and metrics. */
    void refreshViews() {
        latencyView = latency.snapshot();
        hedgeShareView = hedgeBudget.extraShare();
    }

    void add(Work w, boolean front) {
        ArrayDeque<Work> q = queues.get(w.priority);
        if (front) {
            q.addFirst(w);
        } else {
            q.addLast(w);
        }
    }

    Work peek() {
        for (ArrayDeque<Work> q : queues.values()) {
            if (!q.isEmpty()) {
                return q.peekFirst();
            }
        }
        return null;
    }

    Work poll() {
        for (ArrayDeque<Work> q : queues.values()) {
            if (!q.isEmpty()) {
                return q.pollFirst();
            }
        }
        return null;
    }
}
