package dev.llmbatch.simulator;

import com.knuddels.jtokkit.api.Encoding;
import dev.llmbatch.simulator.quota.PerSecondSeries;
import dev.llmbatch.simulator.quota.RateLimiter;
import dev.llmbatch.simulator.quota.WindowPeak;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/** One deployment's limiter and counters. Confined to its region's event-loop context: no locks. */
final class DeploymentState {
    private static final int SERIES_SECONDS = 3600;

    final DeploymentConfig config;
    final RateLimiter limiter;
    final Encoding encoding;
    final Pattern contentFilter;
    final Pattern outputFilter;

    private final WindowPeak tokenPeak = new WindowPeak(Duration.ofSeconds(60));
    private final WindowPeak requestPeak = new WindowPeak(Duration.ofSeconds(10));
    private final PerSecondSeries perSecond = new PerSecondSeries(SERIES_SECONDS);
    private final Map<Integer, Long> errors = new TreeMap<>();
    long requests;
    long accepted;
    long rateLimitedTokens;
    long rateLimitedRequests;
    long rateLimitedShedding;
    long hangs;
    long resets;
    long admittedTokens;
    long packedRequests;
    long packedItems;
    long succeeded;
    long billedPromptTokens;
    long billedCompletionTokens;
    long tokenWindowsOver;
    long requestWindowsOver;
    long packingIgnored;
    long stalls;
    long cancelled;
    long cancelledBilledPromptTokens;
    long cancelledBilledCompletionTokens;
    /** Requests that arrived while a retry-after this deployment had announced (to any client) was running. */
    long requestsDuringRetryAfter;
    long retryAfterUntil;
    boolean retryAfterAnnounced;
    /** While true the deployment answers 404 DeploymentNotFound, as if deleted ({@link Simulator#setMissing}). */
    boolean missing;
    /** The configured {@code packing}, or the runtime override. */
    PackingMode packing;

    DeploymentState(DeploymentConfig config, Encoding encoding) {
        this.config = config;
        this.limiter = new RateLimiter(config.tpm(), config.rpm(), config.requestWindow1s(), config.rejectOversize());
        this.encoding = encoding;
        this.contentFilter = config.contentFilterPattern() == null ? null : Pattern.compile(config.contentFilterPattern());
        this.outputFilter = config.outputFilterPattern() == null ? null : Pattern.compile(config.outputFilterPattern());
        this.packing = config.packing();
    }

    void admitted(long now, long second, long cost) {
        accepted++;
        admittedTokens += cost;
        if (tokenPeak.record(now, cost) > limiter.tpm()) {
            tokenWindowsOver++;
        }
        if (requestPeak.record(now, 1) > limiter.requestCap()) {
            requestWindowsOver++;
        }
        perSecond.add(second, cost);
    }

    /** An admitted request that was packed, with {@code items} jobs in it. */
    void admittedPacked(int items) {
        packedRequests++;
        packedItems += items;
    }

    /** A 200 sent, with the usage it reported. */
    void billed(long promptTokens, long completionTokens) {
        succeeded++;
        billedPromptTokens += promptTokens;
        billedCompletionTokens += completionTokens;
    }

    /**
     * An admitted call whose client went away before the answer was sent. The quota charge stays (it was taken at
     * admission); the tokens it would have reported are billed, as the service bills a generation it has started.
     */
    void cancelled(long promptTokens, long completionTokens) {
        cancelled++;
        cancelledBilledPromptTokens += promptTokens;
        cancelledBilledCompletionTokens += completionTokens;
    }

    void error(int status) {
        errors.merge(status, 1L, Long::sum);
    }

    DeploymentStats snapshot(long second) {
        return new DeploymentStats(config.name(), config.model(), requests, accepted, packedRequests, packedItems,
                rateLimitedTokens,
                rateLimitedRequests, rateLimitedShedding, errors, hangs, resets, admittedTokens, tokenPeak.peak(),
                requestPeak.peak(), limiter.tpm(), limiter.rpm(), perSecond.firstSecond(second),
                perSecond.values(second), succeeded, billedPromptTokens, billedCompletionTokens, tokenWindowsOver,
                requestWindowsOver, packingIgnored, stalls, requestsDuringRetryAfter, cancelled,
                cancelledBilledPromptTokens, cancelledBilledCompletionTokens);
    }
}
