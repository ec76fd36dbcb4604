package dev.llmbatch.worker.auth;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Microsoft Entra ID access token for the Cognitive Services scope, shared by the deployments that sign in the
 * same way. Fetched through azure-identity's {@link TokenCredential} on a Vert.x worker thread (its calls block), and
 * fetched again before it expires: at the token's own refresh time when it names one, else half its lifetime, at
 * most 5 minutes, before expiry. A failed fetch is retried with doubling delays (up to {@link #MAX_RETRY}) while the
 * old token, as long as it is valid, goes on being used; without a valid token {@link #header()} is null, and the
 * dispatcher treats the deployment as misconfigured (its jobs go elsewhere or wait; none fails) until a token comes,
 * when {@code refreshed} probes it again. A 401 answered to the current token fetches a new one, at most once per
 * {@link #REJECTED_REFETCH}. Thread-safe.
 */
final class EntraToken implements Credential {
    private static final Logger LOG = LoggerFactory.getLogger(EntraToken.class);
    static final String SCOPE = "https://cognitiveservices.azure.com/.default";
    static final Duration MAX_RETRY = Duration.ofSeconds(60);
    static final Duration MAX_EARLY = Duration.ofMinutes(5);
    static final Duration REJECTED_REFETCH = Duration.ofSeconds(30);
    private static final long MIN_DELAY_MS = 100;

    private final String label;
    private final TokenCredential credential;
    private final TokenRequestContext request = new TokenRequestContext().addScopes(SCOPE);
    private final Vertx vertx;
    private final Clock clock;
    private final Duration firstRetry;
    private final Runnable refreshed;
    private final AtomicBoolean fetching = new AtomicBoolean();
    private final AtomicInteger failures = new AtomicInteger();
    private volatile AccessToken token;
    private volatile String failure = "no Entra ID token yet";
    private volatile Instant lastRejectedFetch = Instant.MIN;
    private volatile long timer = -1;
    private volatile boolean closed;
    private final java.util.concurrent.CompletableFuture<Void> firstAttempt = new java.util.concurrent.CompletableFuture<>();

    /**
     * @param label      names the sign-in in logs (tenant and client id, never a secret)
     * @param firstRetry the delay after the first failed fetch; it doubles per failure up to {@link #MAX_RETRY}
     * @param refreshed  called (on a Vert.x thread) after each new token, to probe the deployments that use it
     */
    EntraToken(String label, TokenCredential credential, Vertx vertx, Clock clock, Duration firstRetry,
            Runnable refreshed) {
        this.label = label;
        this.credential = credential;
        this.vertx = vertx;
        this.clock = clock;
        this.firstRetry = firstRetry;
        this.refreshed = refreshed;
    }

    @Override
    public AuthHeader header() {
        AccessToken t = token;
        return usable(t) ? new AuthHeader("authorization", "Bearer " + t.getToken()) : null;
    }

    @Override
    public String unavailableReason() {
        String f = failure;
        return f != null ? f : "the Entra ID token expired before a new one came";
    }

    boolean usable(AccessToken t) {
        return t != null && clock.instant().isBefore(t.getExpiresAt().toInstant());
    }

    @Override
    public void rejected(AuthHeader used) {
        AccessToken t = token;
        Instant now = clock.instant();
        if (t == null || !used.value().endsWith(t.getToken())
                || now.isBefore(lastRejectedFetch.plus(REJECTED_REFETCH))) {
            return;
        }
        lastRejectedFetch = now;
        LOG.warn("the service answered 401 to the Entra ID token of {}; fetching a new one", label);
        fetch();
    }

    @Override
    public java.util.concurrent.CompletableFuture<Void> start() {
        fetch();
        return firstAttempt;
    }

    /** Completes a fetch; at most one runs at a time. */
    private void fetch() {
        if (closed || !fetching.compareAndSet(false, true)) {
            return;
        }
        vertx.<AccessToken>executeBlocking(() -> credential.getTokenSync(request), false).onComplete(ar -> {
            fetching.set(false);
            if (!closed) {
                if (ar.succeeded() && ar.result() != null) {
                    fetched(ar.result());
                } else {
                    failed(ar.cause());
                }
            }
            firstAttempt.complete(null);
        });
    }

    private void fetched(AccessToken t) {
        boolean first = token == null || failures.get() > 0;
        failures.set(0);
        token = t;
        failure = null;
        long delay = refreshDelayMs(t, clock.instant());
        if (first) {
            LOG.info("Entra ID token for {} fetched; valid until {}, next fetch in {} ms", label, t.getExpiresAt(),
                    delay);
        } else {
            LOG.debug("Entra ID token for {} refreshed; valid until {}, next fetch in {} ms", label,
                    t.getExpiresAt(), delay);
        }
        schedule(delay);
        refreshed.run();
    }

    private void failed(Throwable cause) {
        int n = failures.incrementAndGet();
        long delay = Math.min(MAX_RETRY.toMillis(), firstRetry.toMillis() << Math.min(n - 1, 16));
        String why = cause == null ? "no token" : cause.getClass().getSimpleName() + ": " + firstLine(cause);
        failure = "no Entra ID token for " + label + " (" + why + ")";
        LOG.warn("Entra ID token for {} could not be fetched (attempt {}, retry in {} ms; {}): {}", label, n, delay,
                usable(token) ? "the current token stays in use until it expires"
                        : "its deployments get no calls meanwhile; their jobs go elsewhere or wait", why);
        schedule(delay);
    }

    private static String firstLine(Throwable t) {
        String m = String.valueOf(t.getMessage());
        int nl = m.indexOf('\n');
        m = nl < 0 ? m : m.substring(0, nl);
        return m.length() > 300 ? m.substring(0, 300) + "..." : m;
    }

    private void schedule(long delayMs) {
        if (closed) {
            return;
        }
        timer = vertx.setTimer(Math.max(MIN_DELAY_MS, delayMs), id -> fetch());
    }

    /**
     * When to fetch the next token: at the token's refresh time if it names a future one before expiry, else half
     * the remaining lifetime (at most {@link #MAX_EARLY}) before it expires.
     */
    static long refreshDelayMs(AccessToken t, Instant now) {
        Instant expires = t.getExpiresAt().toInstant();
        long lifetime = Duration.between(now, expires).toMillis();
        if (t.getRefreshAt() != null) {
            Instant refreshAt = t.getRefreshAt().toInstant();
            if (refreshAt.isAfter(now) && refreshAt.isBefore(expires)) {
                return Duration.between(now, refreshAt).toMillis();
            }
        }
        long early = Math.min(MAX_EARLY.toMillis(), lifetime / 2);
        return Math.max(MIN_DELAY_MS, lifetime - early);
    }

    @Override
    public void close() {
        closed = true;
        firstAttempt.complete(null);
        long t = timer;
        if (t >= 0) {
            vertx.cancelTimer(t);
        }
    }

    @Override
    public String toString() {
        return "EntraToken[" + label + "]";
    }
}
