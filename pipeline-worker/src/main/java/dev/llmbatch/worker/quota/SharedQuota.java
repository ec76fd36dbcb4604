package dev.llmbatch.worker.quota;

import dev.llmbatch.core.admission.DeploymentLimiter;
import dev.llmbatch.core.admission.QuotaStore;
import dev.llmbatch.core.admission.RequestCost;
import dev.llmbatch.core.config.DeploymentConfig;
import dev.llmbatch.core.config.QuotaSettings;
import dev.llmbatch.core.admission.QuotaStore.Booking;
import dev.llmbatch.core.admission.QuotaStore.Turn;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;

/**
 * The dispatcher's side of a quota shared through Redis. A request first passes this worker's own limiter (its call
 * slots and a cap of the whole quota; its pacers stand aside while Redis paces the fleet), then gets a turn on the
 * deployment's schedule in Redis ({@link RedisQuotaStore}): the requests the dispatcher admitted for one deployment in
 * one event-loop turn are booked with one command, and each is sent when its turn comes (a Vert.x timer). A refusal
 * (the turn would be more than {@code quota.schedule-ahead-ms} off) holds the deployment until it would fit, so the
 * request goes to another deployment or waits; a cooldown another worker learned from a 429 cools it here too. After
 * a booking the deployment is held until its last turn: nothing earlier can be had, and asking again would only cost
 * a command.
 *
 * <h2>Redis away</h2>
 * When Redis does not answer (at start or mid-run), the worker goes on alone on a conservative share of every quota:
 * its share of the jobs topic's partitions, its best guess of its share of the fleet (the service's headers count
 * the whole fleet, so they are not taken for a shortfall of its own; a 429 still cools the deployment). It logs this
 * once, shows it as
 * {@code llm_quota_store_up 0} and in {@code /status.json}, asks Redis again every second, and goes back to the
 * shared windows when it answers, first recording in them what it admitted alone that still counts in the service's
 * windows (a restarted Redis knows nothing of it). Requests booked before Redis went away are sent at their turns.
 *
 * <p>Confined to the dispatcher's event-loop context: Redis answers hop back onto it.
 */
public final class SharedQuota implements AutoCloseable {

    private final Vertx vertx;
    private final Context context;
    private final StoreLink link;
    private final AtomicLong admitted = new AtomicLong();
    private final double timeScale;
    /** Requests asked per deployment key in the current event-loop turn, booked together after it. */
    private final Map<String, Pending> pending = new HashMap<>();

    /** The answer to {@link #admit}. */
    public enum Result { GRANTED, REFUSED, UNAVAILABLE }

    /** Usage reported beyond the fleet's windows smaller than this share of a TPM is noise, not another client. */
    private static final double CORRECTION_SHARE = 0.01;
    /** Tokens recorded as corrections per deployment so far: answers reporting the same shortfall record it once. */
    private final Map<String, Long> corrected = new HashMap<>();
    /** The fleet's per-rule sums from the newest answer of the store, per deployment. */
    private final Map<String, long[]> latestByRule = new HashMap<>();

    /**
     * @param fallbackShare this worker's share of each quota while Redis is away (any thread)
     */
    public SharedQuota(Vertx vertx, Context context, QuotaSettings settings, double timeScale, Duration margin,
            List<DeploymentLimiter> limiters, DoubleSupplier fallbackShare) {
        this(vertx, context, settings, timeScale, margin, limiters, fallbackShare,
                () -> RedisQuotaStore.connect(settings.redisUri(), settings.keyPrefix(), timeScale,
                        settings.timeout()));
    }

    /**
     * @param connect opens the store (blocking; called off the event loop by {@link #start} and while it is away)
     */
    public SharedQuota(Vertx vertx, Context context, QuotaSettings settings, double timeScale, Duration margin,
            List<DeploymentLimiter> limiters, DoubleSupplier fallbackShare, Callable<QuotaStore> connect) {
        this.vertx = vertx;
        this.context = context;
        this.timeScale = timeScale;
        this.link = new StoreLink(vertx, context, settings, margin, limiters, fallbackShare, connect);
    }

    /**
     * Connects to the store (off the event loop); the future completes on the dispatcher's context once the worker
     * shares the quota, or has fallen back to its local share because the store did not answer.
     */
    public Future<Void> start() {
        return link.start();
    }

    /** What Azure meters: the endpoint and the deployment (two pools naming one deployment share its quota). */
    public static String key(DeploymentConfig d) {
        return d.endpoint() + "/" + d.deployment();
    }

    /** Whether admissions go through Redis now. */
    public boolean up() {
        return link.up();
    }

    /** Times the worker fell back to a local share. */
    public long fallbacks() {
        return link.fallbacks();
    }

    /** Redis commands per request admitted through Redis, since the start. */
    public double commandsPerRequest() {
        QuotaStore s = link.store();
        long n = admitted.get();
        return s == null || n == 0 ? 0 : (double) s.commands() / n;
    }

    /** This worker's share of each quota now: 1 while shared, the fallback share while Redis is away. */
    public double share() {
        return link.share();
    }

    /**
     * Books a turn on the fleet's schedule for an admission this worker's limiter already made; {@code then} runs on
     * the dispatcher's context when the turn comes (GRANTED: send now), or at once when refused. Every request asked
     * for one deployment in one event-loop turn goes to the store as one command. On REFUSED the limiter has been held
     * (or cooled) for as long as the store said; on REFUSED and UNAVAILABLE the caller cancels its local admission and
     * queues the request again.
     */
    public void admit(DeploymentLimiter l, RequestCost cost, Consumer<Result> then) {
        admit(l, cost, (r, g) -> then.accept(r));
    }

    /**
     * {@link #admit(DeploymentLimiter, RequestCost, Consumer)}, handing over the booked turn too (null unless
     * GRANTED), for {@link #observeRemaining}.
     */
    public void admit(DeploymentLimiter l, RequestCost cost, BiConsumer<Result, Granted> then) {
        if (!link.up() || link.store() == null) {
            then.accept(Result.UNAVAILABLE, null);
            return;
        }
        String key = key(l.config());
        Pending p = pending.get(key);
        if (p == null) {
            p = new Pending(l);
            pending.put(key, p);
            // After the dispatcher's current drain: everything it admitted for this deployment goes in one booking.
            context.runOnContext(v -> book(key));
        }
        p.costs.add(cost);
        p.then.add(then);
    }

    private void book(String key) {
        Pending p = pending.remove(key);
        QuotaStore s = link.store();
        if (!link.up() || s == null) {
            p.then.forEach(t -> t.accept(Result.UNAVAILABLE, null));
            return;
        }
        DeploymentLimiter l = p.limiter;
        s.acquire(key, link.windows(l), p.costs).whenComplete((b, e) -> context.runOnContext(v -> {
            if (e != null) {
                link.fallBack(e);
                p.then.forEach(t -> t.accept(Result.UNAVAILABLE, null));
                return;
            }
            booked(key, l, p, b);
        }));
    }

    private void booked(String key, DeploymentLimiter l, Pending p, Booking b) {
        List<Turn> turns = b.turns();
        long correctedBefore = corrected.getOrDefault(key, 0L);
        long lastDelay = 0;
        if (!turns.isEmpty()) {
            latestByRule.put(key, turns.get(turns.size() - 1).byRule());
            lastDelay = turns.get(turns.size() - 1).delayNanos();
        }
        if (b.coolingNanos() > 0) {
            // Another worker learned a 429 here: cool down as if we had.
            l.coolDown(Duration.ofNanos(b.coolingNanos()));
        } else if (turns.size() < p.costs.size() || lastDelay > 0) {
            // Book nothing more here until our last turn (nothing earlier can be had) or until the refused would fit.
            l.holdFor(Math.max(lastDelay, turns.size() < p.costs.size() ? Math.max(1, b.waitNanos()) : 0));
        }
        for (int i = 0; i < p.then.size(); i++) {
            BiConsumer<Result, Granted> then = p.then.get(i);
            if (i >= turns.size()) {
                then.accept(Result.REFUSED, null);
                continue;
            }
            admitted.incrementAndGet();
            Granted g = new Granted(turns.get(i), correctedBefore);
            long ms = Math.round(turns.get(i).delayNanos() / timeScale / 1e6);
            if (ms < 1) {
                then.accept(Result.GRANTED, g);
            } else {
                vertx.setTimer(ms, id -> then.accept(l.isCooling() ? Result.REFUSED : Result.GRANTED,
                        l.isCooling() ? null : g));
            }
        }
    }

    /** The requests asked for one deployment in the current event-loop turn. */
    private static final class Pending {
        final DeploymentLimiter limiter;
        final List<RequestCost> costs = new ArrayList<>();
        final List<BiConsumer<Result, Granted>> then = new ArrayList<>();

        Pending(DeploymentLimiter limiter) {
            this.limiter = limiter;
        }
    }

    /** A booked turn and the corrections this worker had recorded for its deployment when it came. */
    public record Granted(Turn turn, long correctedBefore) {
    }

    /**
     * Compares the service's remaining tokens after a request the fleet admitted with what the fleet's windows left;
     * a shortfall (another client of the deployment) goes into the shared windows, once, for every worker.
     */
    public void observeRemaining(DeploymentLimiter l, Granted g, long remainingTokens) {
        if (!link.up() || g == null || remainingTokens < 0) {
            return;
        }
        String key = key(l.config());
        long since = corrected.getOrDefault(key, 0L) - g.correctedBefore();
        long shortfall = (l.tokenLimit() - g.turn().usedTokens()) - remainingTokens - since;
        if (shortfall > CORRECTION_SHARE * l.tokenLimit()) {
            corrected.merge(key, shortfall, Long::sum);
            link.record(l, Duration.ZERO, shortfall, 0);
        }
    }

    /**
     * What the service's remaining tokens after a fleet-admitted request say about the prompt rules, for the pool's
     * calibrator: each rule's prediction is the fleet's admissions at the grant, and its floor the fleet's admissions
     * in the newest answer of the store (every worker's requests may have overtaken ours), so one worker calibrates
     * for the fleet as it would alone. Null when there is nothing to compare.
     */
    public DeploymentLimiter.Observation observation(DeploymentLimiter l, Granted g, RequestCost cost,
            long remainingTokens) {
        if (g == null || remainingTokens < 0) {
            return null;
        }
        long limit = l.tokenLimit();
        long[] at = g.turn().byRule();
        long[] latest = latestByRule.getOrDefault(key(l.config()), at);
        long[] predicted = new long[at.length];
        long[] floor = new long[at.length];
        for (int i = 0; i < at.length; i++) {
            predicted[i] = limit - at[i];
            floor[i] = limit - Math.max(at[i], latest[i]);
        }
        return new DeploymentLimiter.Observation(remainingTokens, limit - g.turn().usedTokens(), predicted, floor,
                cost, limit);
    }

    /** Shares a 429's cooldown with the fleet (fire and forget: a lost one only costs another 429). */
    public void coolDown(DeploymentLimiter l, Duration d) {
        link.record(l, d, 0, 0);
    }

    @Override
    public void close() {
        link.close();
    }
}
