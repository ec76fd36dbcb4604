package dev.llmbatch.core.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;

/**
 * Where each deployment's quota is kept (key {@code quota}): {@code local} (in this worker: right for one worker) or
 * {@code redis} (shared by every worker of the fleet, keyed by what Azure meters: endpoint + deployment). While Redis
 * cannot be reached a worker admits on a conservative local share of each quota and goes back to Redis when it
 * answers again. Immutable; validated on construction with messages that name the key.
 *
 * @param timeout       a Redis answer slower than this counts as Redis being away
 * @param scheduleAhead how far ahead (quota clock) the fleet's schedule of a deployment may book a request: a worker
 *                      asks once for all it has ready and Redis gives each request its turn, at most this far off
 */
public record QuotaSettings(Store store, String redisUri, String keyPrefix,
        @JsonProperty("timeout-ms") Duration timeout, @JsonProperty("schedule-ahead-ms") Duration scheduleAhead) {

    public QuotaSettings {
        Check.present("store", store);
        Check.nonBlank("redis-uri", redisUri);
        if (!redisUri.startsWith("redis://") && !redisUri.startsWith("rediss://")) {
            throw new ConfigException("redis-uri", "must be a redis:// or rediss:// URI");
        }
        Check.nonBlank("key-prefix", keyPrefix);
        Check.atLeast("timeout-ms", timeout, 1);
        Check.atLeast("schedule-ahead-ms", scheduleAhead, 1);
    }

    /** The kinds of quota store. */
    public enum Store { @JsonProperty("local") LOCAL, @JsonProperty("redis") REDIS }
}
