package dev.llmbatch.core.config;

import java.time.Duration;

/**
 * Where each deployment's quota is kept (key {@code quota}): {@code local} (in this worker: right for one worker) or
 * {@code redis} (shared by every worker of the fleet, keyed by what Azure meters: endpoint + deployment). While Redis
 * cannot be reached a worker admits on a conservative local share of each quota and goes back to Redis when it
 * answers again. Immutable.
 *
 * @param timeout       a Redis answer slower than this counts as Redis being away
 * @param scheduleAhead how far ahead (quota clock) the fleet's schedule of a deployment may book a request: a worker
 *                      asks once for all it has ready and Redis gives each request its turn, at most this far off
 */
public record QuotaSettings(Store store, String redisUri, String keyPrefix, Duration timeout, Duration scheduleAhead) {

    /** In-process windows, the default. */
    public static final QuotaSettings LOCAL = new QuotaSettings(Store.LOCAL, "redis://localhost:6379/0", "llmbatch",
            Duration.ofMillis(1000), Duration.ofSeconds(10));

    public QuotaSettings {
        if (timeout.isNegative() || timeout.isZero() || scheduleAhead.isNegative() || scheduleAhead.isZero()) {
            throw new IllegalArgumentException("quota timeout and schedule-ahead must be positive");
        }
    }

    /** The kinds of quota store. */
    public enum Store { LOCAL, REDIS }
}
