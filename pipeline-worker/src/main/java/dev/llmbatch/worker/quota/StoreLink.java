package dev.llmbatch.worker.quota;

import dev.llmbatch.core.admission.DeploymentLimiter;
import dev.llmbatch.core.admission.QuotaStore;
import dev.llmbatch.core.admission.QuotaStore.Windows;
import dev.llmbatch.core.config.QuotaSettings;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's link to the quota store: connected (the limiters share the fleet's schedule) or away (they admit on a
 * conservative local share). Connects off the event loop; when the store does not answer it logs that once, falls
 * back, asks again every second, and on its return records what this worker admitted alone. Another worker's
 * cooldown, published by the store, cools this worker's limiters of that deployment at once.
 *
 * <p>Confined to the dispatcher's event-loop context, but {@link #up()} and {@link #store()} may be read anywhere.
 */
final class StoreLink implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SharedQuota.class);
    private static final long RETRY_MS = 1000;

    private final Vertx vertx;
    private final Context context;
    private final QuotaSettings settings;
    private final Duration margin;
    private final List<DeploymentLimiter> limiters;
    private final DoubleSupplier fallbackShare;
    private final Callable<QuotaStore> connect;
    /** This worker's limiters by what Azure meters (two pools may name one deployment). */
    private final Map<String, List<DeploymentLimiter>> byKey = new HashMap<>();
    private volatile QuotaStore store;
    private volatile boolean up;
    private long retryTimer = -1;
    private long fallbacks;
    /** When the current fallback began, on the limiters' quota clock. */
    private long soloSinceNanos;
    private boolean connecting;

    StoreLink(Vertx vertx, Context context, QuotaSettings settings, Duration margin, List<DeploymentLimiter> limiters,
            DoubleSupplier fallbackShare, Callable<QuotaStore> connect) {
        this.vertx = vertx;
        this.context = context;
        this.settings = settings;
        this.margin = margin;
        this.limiters = List.copyOf(limiters);
        this.fallbackShare = fallbackShare;
        this.connect = connect;
        // Part of a fleet from the start, whether or not the store answers yet: the service's headers count the fleet.
        limiters.forEach(l -> l.setShared(true));
        for (DeploymentLimiter l : limiters) {
            byKey.computeIfAbsent(SharedQuota.key(l.config()), k -> new ArrayList<>()).add(l);
        }
    }

    /** See {@link SharedQuota#start()}. */
    Future<Void> start() {
        Promise<Void> started = Promise.promise();
        context.runOnContext(v -> vertx.executeBlocking(connect).onComplete(ar -> {
            if (ar.succeeded()) {
                attach(ar.result());
                up = true;
                limiters.forEach(l -> l.setFleetPaced(true));
                LOG.info("quota shared through Redis ({} keys under {})", redacted(settings.redisUri()),
                        settings.keyPrefix());
            } else {
                fallBack(ar.cause());
            }
            started.complete();
        }));
        return started.future();
    }

    private void attach(QuotaStore s) {
        // Another worker's 429 cools our limiters at once, so requests we booked do not go out into it.
        s.onCooldown((key, d) -> context.runOnContext(v -> byKey.getOrDefault(key, List.of())
                .forEach(l -> l.coolDown(d))));
        store = s;
    }

    boolean up() {
        return up;
    }

    /** The store (null before the first connection), whether or not it answers now. */
    QuotaStore store() {
        return store;
    }

    long fallbacks() {
        return fallbacks;
    }

    double share() {
        return up ? 1.0 : fallbackShare.getAsDouble();
    }

    /** One deployment's windows as the store keeps them. */
    Windows windows(DeploymentLimiter l) {
        return new Windows(l.tokenLimit(), l.requestLimit(), Windows.TOKEN_WINDOW.plus(margin),
                Windows.REQUEST_WINDOW.plus(margin), l.tokenBurst(), l.requestBurst(), settings.scheduleAhead());
    }

    /** Records a cooldown or usage beyond the windows, fire and forget (a failure means the store is away). */
    void record(DeploymentLimiter l, Duration cooldown, long extraTokens, long extraRequests) {
        QuotaStore s = store;
        if (!up || s == null) {
            return;
        }
        s.record(SharedQuota.key(l.config()), windows(l), cooldown, extraTokens, extraRequests)
                .whenComplete((r, e) -> {
                    if (e != null) {
                        context.runOnContext(v -> fallBack(e));
                    }
                });
    }

    /** The store did not answer: admit on the local share until it does. */
    void fallBack(Throwable why) {
        if (!up && retryTimer >= 0) {
            return;
        }
        up = false;
        fallbacks++;
        soloSinceNanos = limiters.isEmpty() ? 0 : limiters.get(0).nanos();
        double share = fallbackShare.getAsDouble();
        // The limiters stay "shared": the service's headers count the whole fleet, and taking the other workers'
        // usage for a shortfall on top of the share would leave two thirds of the quota idle (measured).
        limiters.forEach(l -> {
            l.setShare(share);
            l.setFleetPaced(false);
        });
        LOG.warn("Redis ({}) is not answering ({}): admitting on a local share of {} of each quota until it does",
                redacted(settings.redisUri()), rootMessage(why), String.format(Locale.ROOT, "%.2f", share));
        retryTimer = vertx.setPeriodic(RETRY_MS, id -> tryRecover());
    }

    private void tryRecover() {
        if (connecting) {
            return;
        }
        double share = fallbackShare.getAsDouble();
        limiters.forEach(l -> l.setShare(share));
        QuotaStore s = store;
        connecting = true;
        if (s != null) {
            s.ping().whenComplete((ok, e) -> context.runOnContext(v -> {
                connecting = false;
                if (Boolean.TRUE.equals(ok)) {
                    recovered();
                }
            }));
            return;
        }
        vertx.<QuotaStore>executeBlocking(connect).onComplete(ar -> {
            connecting = false;
            if (ar.succeeded()) {
                attach(ar.result());
                recovered();
            }
        });
    }

    private void recovered() {
        if (up) {
            return;
        }
        up = true;
        vertx.cancelTimer(retryTimer);
        retryTimer = -1;
        limiters.forEach(l -> {
            // What this worker admitted alone still counts in the service's windows, and a restarted Redis knows
            // nothing of it: tell the fleet, or the first window after the return admits it twice.
            long[] solo = l.admittedSince(soloSinceNanos);
            if (solo[0] > 0 || solo[1] > 0) {
                record(l, Duration.ZERO, solo[0], solo[1]);
            }
            l.setShare(1.0);
            l.setFleetPaced(true);
        });
        LOG.info("Redis ({}) answers again: quota shared again", redacted(settings.redisUri()));
    }

    private static String redacted(String uri) {
        return uri.replaceAll("//[^@/]*@", "//***@");
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    @Override
    public void close() {
        if (retryTimer >= 0) {
            vertx.cancelTimer(retryTimer);
        }
        QuotaStore s = store;
        if (s != null) {
            s.close();
        }
    }
}
