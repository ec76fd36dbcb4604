package dev.llmbatch.core.admission;

import dev.llmbatch.core.time.Ticker;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link QuotaStore} in this process, on an injected clock: the same semantics as the worker's Redis store (the same
 * window logs, the same cooldown rule), so the contract can be tested without Redis and several dispatchers in one
 * JVM can share one quota. Thread-safe (one monitor); stages complete at once on the caller's thread.
 */
public final class InMemoryQuotaStore implements QuotaStore {
    private final Ticker ticker;
    private final Map<String, Deployment> deployments = new HashMap<>();
    private final AtomicLong commands = new AtomicLong();

    public InMemoryQuotaStore(Ticker ticker) {
        this.ticker = ticker;
    }

    private static final class Deployment {
        WindowLog tokens;
        WindowLog requests;
        WindowLog charges;
        long coolUntil;
        boolean cooling;
    }

    private Deployment deployment(String name, Windows w) {
        Deployment d = deployments.computeIfAbsent(name, k -> new Deployment());
        if (d.tokens == null) {
            d.tokens = new WindowLog(w.tokenSpan().toNanos(), 1);
            d.requests = new WindowLog(w.requestSpan().toNanos(), 1);
            d.charges = new WindowLog(Math.max(w.tokenSpan().toNanos(), w.serviceWindow().toNanos()), 3);
        }
        return d;
    }

    @Override
    public synchronized CompletionStage<Grant> acquire(String name, Windows w, long reserve, long chars,
            long tokens) {
        commands.incrementAndGet();
        long now = ticker.nanos();
        Deployment d = deployment(name, w);
        d.tokens.expire(now);
        d.requests.expire(now);
        d.charges.expire(now);
        long cooling = d.cooling && d.coolUntil - now > 0 ? d.coolUntil - now : 0;
        long wait = cooling;
        if (d.tokens.sum(0) + reserve > w.tokenLimit()) {
            wait = Math.max(wait, d.tokens.nanosUntilSumAtMost(w.tokenLimit() - reserve, now));
        }
        if (d.requests.sum(0) + 1 > w.requestLimit()) {
            wait = Math.max(wait, d.requests.nanosUntilSumAtMost(w.requestLimit() - 1, now));
        }
        boolean granted = wait == 0;
        if (granted) {
            d.tokens.add(now, reserve);
            d.requests.add(now, 1);
            d.charges.add(now, chars, tokens, Math.max(chars, tokens));
        }
        long window = w.serviceWindow().toNanos();
        long[] byRule = {d.charges.sumWithin(0, now, window), d.charges.sumWithin(1, now, window),
            d.charges.sumWithin(2, now, window)};
        return CompletableFuture.completedFuture(new Grant(granted, wait, d.tokens.sum(0), d.requests.sum(0),
                cooling, byRule));
    }

    @Override
    public synchronized CompletionStage<Void> record(String name, Windows w, Duration cooldown, long extraTokens,
            long extraRequests) {
        commands.incrementAndGet();
        long now = ticker.nanos();
        Deployment d = deployment(name, w);
        if (!cooldown.isZero()) {
            long until = now + cooldown.toNanos();
            if (!d.cooling || d.coolUntil - now <= 0 || until - d.coolUntil > 0) {
                d.coolUntil = until;
                d.cooling = true;
            }
        }
        if (extraTokens > 0) {
            d.tokens.add(now, extraTokens);
            d.charges.add(now, extraTokens, extraTokens, extraTokens);
        }
        for (long i = 0; i < extraRequests; i++) {
            d.requests.add(now, 1);
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Boolean> ping() {
        commands.incrementAndGet();
        return CompletableFuture.completedFuture(true);
    }

    @Override
    public long commands() {
        return commands.get();
    }

    @Override
    public void close() {
        // nothing held outside this object
    }
}
