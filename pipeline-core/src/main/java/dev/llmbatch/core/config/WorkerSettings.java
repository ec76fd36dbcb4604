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
        IdempotencySettings idempotency) {

    /** Jittered exponential backoff for retriable failures (5xx, timeouts, connection errors). */
    public record Backoff(Duration initial, Duration max, double multiplier, double jitter) {
    }

    /**
     * Idempotency by job id: answers ({@code succeeded}, {@code filtered}) are remembered for {@code window}, at
     * most {@code maxEntries} of them, and replayed to a job submitted again with the same id.
     */
    public record IdempotencySettings(boolean enabled, Duration window, int maxEntries) {
    }

    /** How the per-deployment buckets are shaped from the service's limits; see {@code BucketShape}. */
    public record BucketSettings(double burstFraction, Duration windowMargin) {
    }
}
