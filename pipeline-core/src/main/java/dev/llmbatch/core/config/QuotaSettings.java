package dev.llmbatch.core.config;

import java.time.Duration;

/**
 * Where each deployment's quota is kept (key {@code quota}): {@code local} (in this worker: right for one worker) or
 * {@code redis} (shared by every worker of the fleet, keyed by what Azure meters: endpoint + deployment). While Redis
 * cannot be reached a worker admits on a conservative local share of each quota and goes back to Redis when it
 * answers again. Immutable.
 *
 * @param timeout a Redis answer slower than this counts as Redis being away
 */
public record QuotaSettings(Store store, String redisUri, String keyPrefix, Duration timeout) {

    /** In-process windows, the default. */
    public static final QuotaSettings LOCAL = new QuotaSettings(Store.LOCAL, "redis://localhost:6379/0", "llmbatch",
            Duration.ofMillis(1000));

    /** The kinds of quota store. */
    public enum Store { LOCAL, REDIS }
}
