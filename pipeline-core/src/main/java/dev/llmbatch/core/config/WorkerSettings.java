package dev.llmbatch.core.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;

/**
 * The worker's behaviour (key {@code worker}; keys and defaults in {@code pipeline-defaults.yaml}). Immutable;
 * validated on construction with messages that name the key.
 *
 * @param defaultModel the pool of jobs that name none; null (or "" in a file) for the only pool, if there is one
 */
public record WorkerSettings(
        String defaultModel,
        int maxInFlight,
        int maxAttempts,
        @JsonProperty("request-timeout-ms") Duration requestTimeout,
        @JsonProperty("grace-period-ms") Duration gracePeriod,
        @JsonProperty("default-cooldown-ms") Duration defaultCooldown,
        @JsonProperty("max-cooldown-ms") Duration maxCooldown,
        @JsonProperty("misconfigured-probe-ms") Duration misconfiguredProbe,
        double timeScale,
        Backoff backoff,
        BucketSettings bucket,
        Pool pool,
        Http http,
        IdempotencySettings idempotency,
        BreakerSettings breaker,
        LearningSettings learning) {

    public WorkerSettings {
        defaultModel = Check.blankToNull(defaultModel);
        Check.atLeast("max-in-flight", maxInFlight, 1);
        Check.atLeast("max-attempts", maxAttempts, 1);
        Check.atLeast("request-timeout-ms", requestTimeout, 1);
        Check.atLeast("grace-period-ms", gracePeriod, 0);
        Check.atLeast("default-cooldown-ms", defaultCooldown, 0);
        Check.atLeast("max-cooldown-ms", maxCooldown, 1);
        Check.atLeast("misconfigured-probe-ms", misconfiguredProbe, 1);
        Check.between("time-scale", timeScale, 0.001, 100_000);
        Check.present("backoff", backoff);
        Check.present("bucket", bucket);
        Check.present("pool", pool);
        Check.present("http", http);
        Check.present("idempotency", idempotency);
        Check.present("breaker", breaker);
        Check.present("learning", learning);
    }

    /** {@code http.host}: the address of /metrics and /health. */
    public String httpHost() {
        return http.host();
    }

    /** {@code http.port}: 0 = any free port, -1 = off. */
    public int httpPort() {
        return http.port();
    }

    /** {@code pool.max-connections-per-region}. */
    public int maxConnectionsPerRegion() {
        return pool.maxConnectionsPerRegion();
    }

    /** {@code pool.max-wait-queue}. */
    public int maxWaitQueue() {
        return pool.maxWaitQueue();
    }

    /** The HTTP connection pool per region (key {@code worker.pool}). */
    public record Pool(int maxConnectionsPerRegion, int maxWaitQueue) {
        public Pool {
            Check.atLeast("max-connections-per-region", maxConnectionsPerRegion, 1);
            Check.atLeast("max-wait-queue", maxWaitQueue, 0);
        }
    }

    /** Where /metrics, /health and the status page listen (key {@code worker.http}); port 0 = any, -1 = off. */
    public record Http(String host, int port) {
        public Http {
            Check.nonBlank("host", host);
            Check.atLeast("port", port, -1);
        }
    }

    /**
     * Where what the worker learns (answer lengths per instruction) is kept across restarts (key
     * {@code worker.learning}): a compacted Kafka topic, one record per instruction, written every
     * {@code persistInterval} and read back at start-up. An empty topic name turns persistence off.
     */
    public record LearningSettings(String stateTopic,
            @JsonProperty("persist-interval-ms") Duration persistInterval) {
        public LearningSettings {
            stateTopic = Check.present("state-topic", stateTopic).trim();
            Check.atLeast("persist-interval-ms", persistInterval, 1);
        }
    }

    /** Jittered exponential backoff for retriable failures (5xx, timeouts, connection errors). */
    public record Backoff(@JsonProperty("initial-ms") Duration initial, @JsonProperty("max-ms") Duration max,
            double multiplier, double jitter) {
        public Backoff {
            Check.atLeast("initial-ms", initial, 1);
            Check.atLeast("max-ms", max, 1);
            Check.between("multiplier", multiplier, 1.0, 100.0);
            Check.between("jitter", jitter, 0.0, 1.0);
            if (max.compareTo(initial) < 0) {
                throw new ConfigException("max-ms", "must be >= initial-ms (" + initial.toMillis() + "), got "
                        + max.toMillis());
            }
        }
    }

    /**
     * Idempotency by job id: answers ({@code succeeded}, {@code filtered}) are remembered for {@code window}, at
     * most {@code maxEntries} of them, and replayed to a job submitted again with the same id.
     */
    public record IdempotencySettings(boolean enabled, @JsonProperty("window-ms") Duration window, int maxEntries) {
        public IdempotencySettings {
            Check.atLeast("window-ms", window, 1);
            Check.atLeast("max-entries", maxEntries, 1);
        }
    }

    /**
     * Admission windows (key {@code worker.bucket}): {@code windowMargin} is how much later than admitted a request
     * may reach the service; the windows are kept over the service's window + this margin. {@code burstFraction} is
     * the pacing burst: admissions are spread at the limit's rate with at most this share of a window's limit (or one
     * largest request) at once (see {@code DeploymentLimiter}).
     */
    public record BucketSettings(double burstFraction, @JsonProperty("window-margin-ms") Duration windowMargin) {
        public BucketSettings {
            Check.between("burst-fraction", burstFraction, 0.001, 0.5);
            Check.atLeast("window-margin-ms", windowMargin, 0);
        }
    }

    /**
     * The per-deployment circuit breaker for 5xx, timeouts and connection errors (key {@code worker.breaker}); see
     * {@code dev.llmbatch.core.admission.CircuitBreaker}. Durations are on the worker's (possibly scaled) clock.
     *
     * @param failureRate  share of failed calls, among at least {@code minimumCalls} in the last {@code window},
     *                     that opens the breaker
     * @param open         how long the breaker stays open the first time before it admits one probe
     * @param maxOpen      cap of the open period, which doubles after every failed probe
     */
    public record BreakerSettings(boolean enabled, double failureRate, int minimumCalls,
            @JsonProperty("window-ms") Duration window, @JsonProperty("open-ms") Duration open,
            @JsonProperty("max-open-ms") Duration maxOpen) {
        public BreakerSettings {
            Check.between("failure-rate", failureRate, 0.01, 1.0);
            Check.atLeast("minimum-calls", minimumCalls, 1);
            Check.atLeast("window-ms", window, 1);
            Check.atLeast("open-ms", open, 1);
            Check.atLeast("max-open-ms", maxOpen, 1);
            if (maxOpen.compareTo(open) < 0) {
                throw new ConfigException("max-open-ms", "must be >= open-ms (" + open.toMillis() + "), got "
                        + maxOpen.toMillis());
            }
        }
    }
}
