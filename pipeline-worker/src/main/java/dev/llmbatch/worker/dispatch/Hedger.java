package dev.llmbatch.worker.dispatch;

import dev.llmbatch.core.admission.DeploymentLimiter;
import dev.llmbatch.core.admission.RegionSelector;
import dev.llmbatch.core.admission.RequestCost;
import dev.llmbatch.core.config.HedgingSettings;
import dev.llmbatch.core.outcome.CallOutcome;
import dev.llmbatch.core.result.Hedged;
import dev.llmbatch.worker.admin.Metrics;
import dev.llmbatch.worker.quota.SharedQuota;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Hedging (issue 15): a call still running when its deployment's straggler time for a call of its size has passed
 * ({@link dev.llmbatch.core.latency.LatencyModel#hedgeAfter}) gets a copy sent to another deployment of its pool,
 * but only from quota nothing else wants: the pool has no request waiting for admission, the copy is admitted like
 * any request (windows, pacers, the fleet's schedule, call slots, breakers), and its tokens fit the pool's
 * {@link dev.llmbatch.core.latency.HedgeBudget}. The first answer wins and the other call is cancelled; a failure of
 * one call while the other runs teaches its deployment (a cooldown, put aside) and the request waits for the other.
 * A job's trace shows both calls (the copy's entry ends in {@code :hedge}, the loser's reads {@code cancelled}) and
 * its result says which won ({@link Hedged}). Never hedged: packed requests of more than
 * {@code hedging.max-batch-items} jobs, probes, jobs with {@code "hedge": false}, pools of one deployment.
 * Confined to the dispatcher's event loop.
 */
final class Hedger {
    /** The two calls of one request: the original, and the copy once sent. */
    static final class Race {
        final DeploymentLimiter original;
        final ChatClient.Call originalCall;
        long timer = -1;
        DeploymentLimiter hedge;
        ChatClient.Call hedgeCall;
        DeploymentLimiter.Admission hedgeAdmission;
        SharedQuota.Granted hedgeGranted;
        /** Calls of the race still running. */
        int running = 1;
        /** Why a copy could not go yet was counted (once per race). */
        boolean deferredCounted;

        Race(DeploymentLimiter original, ChatClient.Call originalCall) {
            this.original = original;
            this.originalCall = originalCall;
        }
    }

    private final Vertx vertx;
    private final Admitter admitter;
    private final SharedQuota shared;
    private final Metrics metrics;
    private Outcomes outcomes;

    /** @param shared the fleet's schedule, null with a local quota store */
    Hedger(Vertx vertx, Admitter admitter, SharedQuota shared, Metrics metrics) {
        this.vertx = vertx;
        this.admitter = admitter;
        this.shared = shared;
        this.metrics = metrics;
    }

    void outcomes(Outcomes o) {
        this.outcomes = o;
    }

    /** After an ordinary call went out: arms the straggler timer if the request may be hedged. */
    void watch(Lane lane, Work w, DeploymentLimiter limiter, ChatClient.Call call) {
        HedgingSettings h = lane.pool.hedging();
        if (!h.enabled() || w.probe || w.items.size() > h.maxBatchItems() || lane.pool.deployments().size() < 2) {
            return;
        }
        for (Item it : w.items) {
            if (!it.job.job().hedge()) {
                return;
            }
        }
        Optional<Duration> after = lane.latency.hedgeAfter(limiter.config().id(),
                (int) Math.min(Integer.MAX_VALUE, w.promptTokens), w.spec.maxTokens());
        if (after.isEmpty()) {
            return;
        }
        Race r = new Race(limiter, call);
        w.race = r;
        r.timer = vertx.setTimer(Math.max(1, after.get().toMillis()), id -> {
            r.timer = -1;
            fire(lane, w, r);
        });
    }

    /**
     * The pool's queue is empty: stragglers that had to wait (a backlog, no room, no budget) are tried again. Called
     * by every drain that empties the queue, so it is cheap when there are none.
     */
    void onIdle(Lane lane) {
        if (lane.stragglers.isEmpty()) {
            return;
        }
        for (Work w : new ArrayList<>(lane.stragglers)) {
            lane.stragglers.remove(w);
            if (w.race != null && w.race.hedgeCall == null && w.race.running > 0) {
                fire(lane, w, w.race);
            }
        }
    }

    /** The straggler time passed and the original still runs: sends the copy if idle quota and the budget allow. */
    private void fire(Lane lane, Work w, Race r) {
        if (w.race != r || r.running == 0) {
            return;
        }
        if (lane.peek() != null) {
            defer(lane, w, r, "skipped_backlog"); // only room the backlog does not use
            return;
        }
        RequestCost cost = w.cost(lane.calibrator.rule());
        long reserve = cost.reserve();
        if (!lane.hedgeBudget.tryReserve(reserve)) {
            defer(lane, w, r, "refused_budget");
            return;
        }
        Set<String> avoid = new HashSet<>(w.avoid);
        avoid.add(r.original.config().id());
        if (!(lane.selector.select(cost, avoid) instanceof RegionSelector.Selection.Admitted a)) {
            lane.hedgeBudget.refund(reserve);
            defer(lane, w, r, "no_room");
            return;
        }
        if (shared == null || !shared.up()) {
            send(lane, w, r, a, reserve, null);
            return;
        }
        shared.admit(a.deployment(), cost, (result, granted) -> {
            if (result == SharedQuota.Result.GRANTED && w.race == r && r.running > 0) {
                send(lane, w, r, a, reserve, granted);
            } else {
                a.deployment().cancel(a.admission());
                a.deployment().breaker().cancel(a.permit());
                lane.hedgeBudget.refund(reserve);
            }
        });
    }

    /** The copy cannot go now: tried again when the pool's queue is next empty (counted once per race). */
    private void defer(Lane lane, Work w, Race r, String why) {
        lane.stragglers.add(w);
        if (!r.deferredCounted) {
            r.deferredCounted = true;
            metrics.inc("llm_hedges_total", "pool", lane.pool.name(), "outcome", why);
        }
    }

    private void send(Lane lane, Work w, Race r, RegionSelector.Selection.Admitted a, long reserve,
            SharedQuota.Granted granted) {
        ChatClient.Call call = admitter.start(lane, w, a.deployment(), a.permit(), a.admission(), true);
        if (call == null) {
            lane.hedgeBudget.refund(reserve);
            return;
        }
        r.hedge = a.deployment();
        r.hedgeCall = call;
        r.hedgeAdmission = a.admission();
        r.hedgeGranted = granted;
        r.running = 2;
        metrics.inc("llm_hedges_total", "pool", lane.pool.name(), "outcome", "sent");
    }

    /**
     * One call of {@code w} ended. Learns its deployment's latency, and settles a race: returns true when
     * {@code outcome} is the request's to act on (no race, or this call decides it), false when it was absorbed (the
     * loser, cancelled; or a failure while the twin still runs).
     */
    boolean settle(Lane lane, Work w, DeploymentLimiter limiter, CallOutcome outcome, boolean hedge,
            long elapsedNanos) {
        String key = limiter.config().id();
        if (outcome == ChatClient.CANCELLED) {
            lane.latency.recordUnfinished(key, Duration.ofNanos(elapsedNanos), w.spec.maxTokens());
            return false;
        }
        if (outcome instanceof CallOutcome.Success s) {
            lane.latency.record(key, Duration.ofNanos(elapsedNanos), s.promptTokens(), s.completionTokens());
        }
        Race r = w.race;
        if (r == null) {
            return true;
        }
        if (r.hedgeCall == null) {
            lane.stragglers.remove(w);
            // The original ended before a copy went out.
            if (r.timer >= 0) {
                vertx.cancelTimer(r.timer);
            }
            w.race = null;
            return true;
        }
        r.running--;
        if (r.running > 0 && !(outcome instanceof CallOutcome.Success)) {
            outcomes.absorb(lane, w, limiter, outcome, hedge);
            return false;
        }
        int extra = 0;
        if (r.running > 0) {
            DeploymentLimiter twin = hedge ? r.original : r.hedge;
            w.trace(twin.config().region(), "cancelled", !hedge);
            (hedge ? r.originalCall : r.hedgeCall).cancel();
            // A cancelled call reports no usage; the service has charged at least its prompt.
            extra = (int) Math.min(Integer.MAX_VALUE, w.promptTokens);
        }
        if (hedge) {
            w.admission = r.hedgeAdmission;
            w.granted = r.hedgeGranted;
        }
        w.race = null;
        w.hedgeAnswered = hedge;
        w.hedged = new Hedged(hedge ? Hedged.HEDGE : Hedged.ORIGINAL, extra);
        metrics.inc("llm_hedges_total", "pool", lane.pool.name(), "outcome", hedge ? "won" : "lost");
        return true;
    }
}
