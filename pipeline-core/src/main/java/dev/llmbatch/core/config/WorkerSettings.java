package dev.llmbatch.core.config;

import java.time.Duration;

/** The worker's behaviour (key {@code worker}). Immutable. */
public record WorkerSettings(
        String defaultModel,
        int maxInFlight,
        int maxAttempts,
        Duration requestTimeout,
        Duration gracePeriod,
        Duration defaultCooldown,
        Duration maxCooldown,
        double timeScale,
        Backoff backoff,
        BucketSettings bucket,
        int maxConnectionsPerRegion,
        int maxWaitQueue,
        String httpHost,
        int httpPort,
        IdempotencySettings idempotency,
        BreakerSettings breaker,
        LearningSettings learning,
        Duration misconfiguredProbe) {

    public WorkerSettings {
        learning = learning == null ? LearningSettings.DEFAULTS : learning;
        misconfiguredProbe = misconfiguredProbe == null ? Duration.ofSeconds(30) : misconfiguredProbe;
    }

    /** Settings with the default {@link LearningSettings}. */
    public WorkerSettings(String defaultModel, int maxInFlight, int maxAttempts, Duration requestTimeout,
            Duration gracePeriod, Duration defaultCooldown, Duration maxCooldown, double timeScale, Backoff backoff,
            BucketSettings bucket, int maxConnectionsPerRegion, int maxWaitQueue, String httpHost, int httpPort,
            IdempotencySettings idempotency, BreakerSettings breaker) {
        this(defaultModel, maxInFlight, maxAttempts, requestTimeout, gracePeriod, defaultCooldown, maxCooldown,
                timeScale, backoff, bucket, maxConnectionsPerRegion, maxWaitQueue, httpHost, httpPort, idempotency,
                breaker, null, null);
    }

    /**
     * Where what the worker learns (answer lengths per instruction) is kept across restarts (key
     * {@code worker.learning}): a compacted Kafka topic, one record per instruction, written every
     * {@code persistInterval} and read back at start-up. An empty topic name turns persistence off.
     */
    public record LearningSettings(String stateTopic, Duration persistInterval) {
        public static final LearningSettings DEFAULTS = new LearningSettings("llm.worker.state",
                Duration.ofSeconds(30));
    }

    /** Jittered exponential backoff for retriable failures (5xx, timeouts, connection errors). */
    public record Backoff(Duration initial, Duration max, double multiplier, double jitter) {
    }

    /**
     * Idempotency by job id: answers ({@code succeeded}, {@code filtered}) are remembered for {@code window}, at
     * most {@code maxEntries} of them, and replayed to a job submitted again with the same id.
     */
    public record IdempotencySettings(boolean enabled, Duration window, int maxEntries) {
    }

    /**
     * Admission windows (key {@code worker.bucket}): {@code windowMargin} is how much later than admitted a request
     * may reach the service; the windows are kept over the service's window + this margin. {@code burstFraction} is
     * the pacing burst: admissions are spread at the limit's rate with at most this share of a window's limit (or one
     * largest request) at once (see {@code DeploymentLimiter}).
     */
    public record BucketSettings(double burstFraction, Duration windowMargin) {
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
    public record BreakerSettings(boolean enabled, double failureRate, int minimumCalls, Duration window,
            Duration open, Duration maxOpen) {
    }
}
