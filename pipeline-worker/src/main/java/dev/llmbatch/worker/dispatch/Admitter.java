package dev.llmbatch.worker.dispatch;

import dev.llmbatch.core.admission.CircuitBreaker;
import dev.llmbatch.core.admission.DeploymentLimiter;
import dev.llmbatch.core.admission.RegionSelector;
import dev.llmbatch.core.admission.RequestCost;
import dev.llmbatch.core.config.DeploymentConfig;
import dev.llmbatch.core.outcome.CallOutcome;
import dev.llmbatch.core.request.ChatRequestBody;
import dev.llmbatch.core.result.ErrorInfo;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.core.result.Usage;
import dev.llmbatch.core.time.Ticker;
import dev.llmbatch.worker.admin.Metrics;
import dev.llmbatch.worker.quota.SharedQuota;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Instant;
import java.util.Iterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admission loop: takes each pool's queued requests in order, admits each against the pool's deployments (and
 * the fleet's schedule when the quota is shared), sends it, and hands the outcome to {@link Answers}. A pool whose
 * deployments have no room waits on one timer until the first could admit. Every admission taken is either a call
 * or given back: a failure between the two goes back through the outcome policy as a retriable failure, never lost.
 * Confined to the dispatcher's event loop.
 */
final class Admitter {
    private static final Logger LOG = LoggerFactory.getLogger(Admitter.class);
    /** Packed requests in flight per pool until one packed reply has come back usable. */
    private static final int UNPROVEN_PACKED_IN_FLIGHT = 2;

    /** Where a call's outcome goes. */
    interface Answers {
        void handle(Lane lane, Work w, DeploymentLimiter limiter, CallOutcome outcome);
    }

    private final Vertx vertx;
    private final Backlog backlog;
    private final Packer packer;
    private final ChatClient client;
    private final SharedQuota shared;
    private final Metrics metrics;
    private final Results results;
    private final Clock wallClock;
    private final Ticker ticker;
    private final double timeScale;
    private final Hedger hedger;
    private Answers answers;
    private int inCall;

    /**
     * @param shared    the fleet's schedule, null with a local quota store
     * @param ticker    real monotonic time (timers)
     * @param timeScale how much faster the quota clock runs than real time
     */
    Admitter(Vertx vertx, Backlog backlog, Packer packer, ChatClient client, SharedQuota shared, Metrics metrics,
            Results results, Clock wallClock, Ticker ticker, double timeScale) {
        this.vertx = vertx;
        this.backlog = backlog;
        this.packer = packer;
        this.client = client;
        this.shared = shared;
        this.metrics = metrics;
        this.results = results;
        this.wallClock = wallClock;
        this.ticker = ticker;
        this.timeScale = timeScale;
        this.hedger = new Hedger(vertx, this, shared, metrics);
    }

    /** Where outcomes go: the outcome policy's applier (which also absorbs a hedged pair's failed twin). */
    void answers(Outcomes a) {
        this.answers = a;
        hedger.outcomes(a);
    }


    int inCall() {
        return inCall;
    }

    void drainAll() {
        backlog.lanes().forEach(this::drain);
    }

    void drain(Lane lane) {
        while (true) {
            Work w = lane.peek();
            if (w == null) {
                hedger.onIdle(lane);
                return;
            }
            if (dropExpired(w)) {
                backlog.poll(lane);
                continue;
            }
            if (w.packed && w.calls == 0 && !lane.packing.proven()) {
                if (lane.packing.stopped() && !w.probe) {
                    // Packing stopped while this batch waited: its jobs go alone instead.
                    backlog.poll(lane);
                    for (int i = w.items.size() - 1; i >= 0; i--) {
                        backlog.enqueue(packer.single(w.items.get(i)), true);
                    }
                    continue;
                }
                if (lane.packedInFlight >= UNPROVEN_PACKED_IN_FLIGHT) {
                    return; // until the model shows it follows the schema; the next answer drains
                }
            }
            packer.refreshBudgets(w);
            RequestCost cost = w.cost(lane.calibrator.rule());
            w.reserveTokens = cost.reserve();
            RegionSelector.Selection s = lane.selector.select(cost, w.avoid);
            if (s instanceof RegionSelector.Selection.Admitted a) {
                backlog.poll(lane);
                w.admission = a.admission();
                if (shared != null && shared.up()) {
                    admitShared(lane, w, a, cost);
                } else {
                    send(lane, w, a.deployment(), a.permit());
                }
            } else if (s instanceof RegionSelector.Selection.Wait wait) {
                wakeIn(lane, wait.nanos());
                return;
            } else if (s instanceof RegionSelector.Selection.Busy) {
                return; // every usable deployment has all its call slots in use: the next completion drains
            } else {
                backlog.poll(lane);
                for (Item it : w.items) {
                    results.finish(it, w, Status.REJECTED, null, null, Usage.NONE, null,
                            new ErrorInfo("request_too_large", "no deployment of this model pool can admit a "
                                    + "request of " + w.reserveTokens + " tokens", false));
                }
            }
        }
    }

    /** Queues a request again after {@code quotaNanos} (a backoff), at the front of its pool's queue. */
    void later(Lane lane, Work w, long quotaNanos) {
        vertx.setTimer(realMillis(quotaNanos), id -> {
            backlog.enqueue(w, true);
            drain(lane);
        });
    }

    /** Finishes items whose deadline passed; true when none is left. Re-packs the rest if some expired. */
    private boolean dropExpired(Work w) {
        Instant now = wallClock.instant();
        boolean removed = false;
        for (Iterator<Item> it = w.items.iterator(); it.hasNext();) {
            Item item = it.next();
            Instant deadline = item.job.job().deadline();
            if (deadline != null && !now.isBefore(deadline)) {
                it.remove();
                removed = true;
                results.finish(item, w, Status.EXPIRED, null, null, Usage.NONE, null, new ErrorInfo(
                        "deadline_exceeded", "the job's deadline " + deadline + " passed before it could be answered",
                        false));
            }
        }
        if (w.items.isEmpty()) {
            return true;
        }
        if (removed && w.packed) {
            Item first = w.items.get(0);
            packer.repack(w, first.job.batchInstruction(), first.job.temperature());
        }
        return false;
    }

    /** Books the request's turn on the fleet's schedule; a refusal gives the local admission back and queues it. */
    private void admitShared(Lane lane, Work w, RegionSelector.Selection.Admitted a, RequestCost cost) {
        DeploymentLimiter limiter = a.deployment();
        shared.admit(limiter, cost, (result, granted) -> {
            switch (result) {
                case GRANTED -> {
                    w.granted = granted;
                    send(lane, w, limiter, a.permit());
                }
                case REFUSED, UNAVAILABLE -> {
                    limiter.cancel(a.admission());
                    limiter.breaker().cancel(a.permit());
                    backlog.enqueue(w, true);
                    drain(lane);
                }
            }
        });
    }

    private void send(Lane lane, Work w, DeploymentLimiter limiter, CircuitBreaker.Permit permit) {
        ChatClient.Call call = start(lane, w, limiter, permit, w.admission, false);
        if (call != null) {
            hedger.watch(lane, w, limiter, call);
        }
    }

    /**
     * Sends one call of {@code w} to {@code limiter}'s deployment: the request itself, or ({@code hedge}) a copy
     * racing it. Returns null when nothing went out: the admission is given back, and an ordinary call's failure
     * goes through the outcome policy as a retriable one (a copy is simply not sent).
     */
    ChatClient.Call start(Lane lane, Work w, DeploymentLimiter limiter, CircuitBreaker.Permit permit,
            DeploymentLimiter.Admission admission, boolean hedge) {
        DeploymentConfig d = limiter.config();
        ChatClient.Call call;
        try {
            call = client.call(d, ChatRequestBody.of(w.spec, d));
        } catch (RuntimeException e) {
            LOG.error("a request to {} could not be sent", d.id(), e);
            limiter.cancel(admission);
            limiter.breaker().cancel(permit);
            if (!hedge) {
                answers.handle(lane, w, limiter, new CallOutcome.Retriable(0, "internal_error",
                        "the request could not be sent: " + e.getClass().getSimpleName()));
            }
            return null;
        }
        w.calls++;
        long sentAt = results.now();
        for (Item it : w.items) {
            if (it.firstSendNanos < 0) {
                it.firstSendNanos = sentAt;
            }
        }
        inCall++;
        boolean countsPacked = w.packed && !hedge;
        if (countsPacked) {
            lane.packedInFlight++;
        }
        if (!hedge) {
            lane.hedgeBudget.recordAdmitted(w.reserveTokens);
        }
        metrics.add("llm_admitted_tokens_total", w.reserveTokens, "region", d.region());
        call.outcome().onComplete(ar -> {
            inCall--;
            if (countsPacked) {
                lane.packedInFlight--;
            }
            limiter.release();
            CallOutcome outcome = ar.succeeded() ? ar.result() : HttpChatClient.transportFailure(ar.cause());
            long elapsed = results.now() - sentAt;
            metrics.time("llm_call_duration", elapsed, "region", d.region(), "outcome", outcome.label());
            if (outcome == ChatClient.CANCELLED) {
                limiter.breaker().cancel(permit); // abandoned by us: says nothing of the deployment's health
            } else {
                limiter.breaker().onResult(permit, outcome);
            }
            if (hedger.settle(lane, w, limiter, outcome, hedge, elapsed)) {
                answers.handle(lane, w, limiter, outcome);
            }
            drain(lane);
        });
        return call;
    }

    /** Drains {@code lane} once {@code quotaNanos} have passed (one timer per lane: the earliest wins). */
    private void wakeIn(Lane lane, long quotaNanos) {
        long ms = realMillis(quotaNanos);
        long at = ticker.nanos() + ms * 1_000_000;
        if (lane.wakeTimer >= 0) {
            if (lane.wakeAt - at <= 0) {
                return;
            }
            vertx.cancelTimer(lane.wakeTimer);
        }
        lane.wakeAt = at;
        lane.wakeTimer = vertx.setTimer(ms, id -> {
            lane.wakeTimer = -1;
            drain(lane);
        });
    }

    /** Wall milliseconds for a duration on the (possibly scaled) quota clock; at least 1. */
    private long realMillis(long quotaNanos) {
        double real = quotaNanos / timeScale / 1_000_000.0;
        return Math.max(1, (long) Math.ceil(Math.min(real, 24 * 3600_000.0)));
    }

    /** Cancels the lanes' wake-up timers. */
    void close() {
        backlog.lanes().forEach(l -> {
            if (l.wakeTimer >= 0) {
                vertx.cancelTimer(l.wakeTimer);
            }
        });
    }
}
