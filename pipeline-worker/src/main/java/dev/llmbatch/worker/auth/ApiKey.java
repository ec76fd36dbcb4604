package dev.llmbatch.worker.auth;

import dev.llmbatch.core.config.ApiStyle;
import dev.llmbatch.core.config.DeploymentConfig;
import dev.llmbatch.core.time.Ticker;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A deployment's API key ({@code auth: api-key}). A key from {@code api-key-file} is read again when a call sent with
 * it answers 401, at most once per {@link #REREAD_INTERVAL}, on a worker thread: a Kubernetes or Docker secret
 * rotated in place is picked up without a restart, and the deployment is probed again at once when the key changed.
 * A key from {@code api-key-env} cannot change while the process runs. Thread-safe.
 */
final class ApiKey implements Credential {
    private static final Logger LOG = LoggerFactory.getLogger(ApiKey.class);
    /** Many calls in flight answer 401 together; one read serves them all. */
    static final Duration REREAD_INTERVAL = Duration.ofSeconds(1);

    private final DeploymentConfig deployment;
    private final Vertx vertx;
    private final Ticker ticker;
    private final Runnable changed;
    private final AtomicBoolean reading = new AtomicBoolean();
    private volatile Secret secret;
    private volatile long lastReadNanos;

    ApiKey(DeploymentConfig deployment, Secret initial, Vertx vertx, Ticker ticker, Runnable changed) {
        this.deployment = deployment;
        this.secret = initial;
        this.vertx = vertx;
        this.ticker = ticker;
        this.changed = changed;
        this.lastReadNanos = ticker.nanos();
    }

    @Override
    public AuthHeader header() {
        String key = secret.reveal();
        return deployment.apiStyle() == ApiStyle.OPENAI ? new AuthHeader("authorization", "Bearer " + key)
                : new AuthHeader("api-key", key);
    }

    @Override
    public String unavailableReason() {
        return "no API key";
    }

    @Override
    public void rejected(AuthHeader used) {
        if (deployment.apiKeyFile() == null || !used.value().endsWith(secret.reveal())
                || ticker.nanos() - lastReadNanos < REREAD_INTERVAL.toNanos() || !reading.compareAndSet(false, true)) {
            return;
        }
        vertx.<Secret>executeBlocking(() -> Secret.readFile(deployment), false).onComplete(ar -> {
            lastReadNanos = ticker.nanos();
            reading.set(false);
            if (ar.failed()) {
                // No exception message is logged: one could quote what was read, and that is the key. The file's
                // path (from the config) and the failure's type say enough to act on.
                LOG.warn("deployment {}: answered 401, and its api-key-file {} could not be read again ({})",
                        deployment.id(), deployment.apiKeyFile(), ar.cause().getClass().getSimpleName());
            } else if (ar.result().sameAs(secret)) {
                LOG.debug("deployment {}: answered 401; api-key-file {} still holds the same key", deployment.id(),
                        deployment.apiKeyFile());
            } else {
                secret = ar.result();
                LOG.info("deployment {}: api-key-file {} holds a new key; probing the deployment with it",
                        deployment.id(), deployment.apiKeyFile());
                changed.run();
            }
        });
    }

    @Override
    public java.util.concurrent.CompletableFuture<Void> start() {
        return java.util.concurrent.CompletableFuture.completedFuture(null);
    }

    @Override
    public void close() {
    }
}
