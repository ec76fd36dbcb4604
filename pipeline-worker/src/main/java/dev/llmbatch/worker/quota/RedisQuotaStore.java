package dev.llmbatch.worker.quota;

import dev.llmbatch.core.admission.QuotaStore;
import dev.llmbatch.core.admission.RequestCost;
import dev.llmbatch.core.estimate.PromptRule;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * The {@link QuotaStore} of a fleet: every worker's share of each deployment's quota, kept in Redis so that N workers together admit what one would:
 * one schedule per deployment with the same exact sliding-window logs and pacing as {@code DeploymentLimiter} (tokens
 * over 60 s + margin, requests over 10 s + margin), plus a shared cooldown, each booking one atomic Lua script
 * ({@code acquire.lua}) on the server's clock ({@code TIME}), so the workers' own clocks never meet: a worker learns
 * how long from now its turn is, which no clock difference changes. A deployment's keys are named after what Azure meters, its endpoint and deployment
 * (the caller builds the key), under one hash tag so they live on one cluster slot.
 *
 * <p>One booking is one command (EVALSHA) for all the requests a worker has ready for a deployment; a cooldown or a
 * correction is one more, and only happens on a 429 or a shortfall. Lettuce pipelines the commands of many admissions on one connection. Its callbacks complete on Lettuce's
 * threads: callers hop back to their own.
 *
 * <p>Thread-safe.
 */
public final class RedisQuotaStore implements QuotaStore {
    private static final String ACQUIRE = script("acquire.lua");
    private static final String RECORD = script("record.lua");

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final RedisAsyncCommands<String, String> redis;
    private final String prefix;
    private final double timeScale;
    private final AtomicLong commands = new AtomicLong();
    private final StatefulRedisPubSubConnection<String, String> cooldowns;
    private final String channel;
    private volatile String acquireSha;
    private volatile String recordSha;

    private RedisQuotaStore(RedisClient client, StatefulRedisConnection<String, String> connection,
            StatefulRedisPubSubConnection<String, String> cooldowns, String prefix, double timeScale) {
        this.client = client;
        this.connection = connection;
        this.cooldowns = cooldowns;
        this.channel = prefix + ":cooldowns";
        this.redis = connection.async();
        this.prefix = prefix;
        this.timeScale = timeScale;
    }

    /**
     * Connects (blocking, at start-up).
     *
     * @param timeScale the worker's quota clock speed: windows on that clock are this many times shorter on Redis's
     * @param timeout   per command; a slower answer counts as Redis being away
     */
    public static RedisQuotaStore connect(String uri, String keyPrefix, double timeScale, Duration timeout) {
        RedisURI u = RedisURI.create(uri);
        u.setTimeout(timeout);
        RedisClient client = RedisClient.create(u);
        try {
            StatefulRedisConnection<String, String> c = client.connect();
            StatefulRedisPubSubConnection<String, String> p = client.connectPubSub();
            RedisQuotaStore store = new RedisQuotaStore(client, c, p, keyPrefix, timeScale);
            // Lettuce subscribes again by itself after a reconnect.
            p.sync().subscribe(store.channel);
            return store;
        } catch (RuntimeException e) {
            client.shutdown();
            throw e;
        }
    }

    @Override
    public CompletionStage<Booking> acquire(String deployment, Windows w, List<RequestCost> costs) {
        List<String> args = new ArrayList<>(11 + 3 * costs.size());
        Collections.addAll(args, Long.toString(w.tokenLimit()), Long.toString(w.requestLimit()),
                micros(w.tokenSpan()), micros(w.requestSpan()), micros(Windows.TOKEN_WINDOW),
                micros(Windows.REQUEST_WINDOW), Long.toString(w.tokenBurst()), Long.toString(w.requestBurst()),
                micros(w.ahead()), Long.toString(ttlMillis(w)), Integer.toString(costs.size()));
        for (RequestCost c : costs) {
            Collections.addAll(args, Long.toString(c.reserve()), Long.toString(c.under(PromptRule.CHARS)),
                    Long.toString(c.under(PromptRule.TOKENS)));
        }
        return eval(true, keys(deployment), args.toArray(String[]::new)).thenApply(r -> {
            List<?> l = (List<?>) r;
            int granted = (int) num(l, 3);
            List<Turn> turns = new ArrayList<>(granted);
            for (int i = 0; i < granted; i++) {
                int at = 4 + 5 * i;
                turns.add(new Turn(scaled(num(l, at)), num(l, at + 1),
                        new long[] {num(l, at + 2), num(l, at + 3), num(l, at + 4)}));
            }
            return new Booking(turns, scaled(num(l, 1)), scaled(num(l, 0)), num(l, 2));
        });
    }

    @Override
    public CompletionStage<Void> record(String deployment, Windows w, Duration cooldown, long extraTokens,
            long extraRequests) {
        long coolMs = cooldown.isZero() ? 0 : Math.max(1, (long) Math.ceil(cooldown.toNanos() / timeScale / 1e6));
        String[] args = {Long.toString(coolMs), Long.toString(Math.max(0, extraTokens)),
            Long.toString(Math.max(0, Math.min(extraRequests, 1000))), Long.toString(ttlMillis(w)), channel,
            deployment};
        return eval(false, keys(deployment), args).thenApply(r -> null);
    }

    @Override
    public void onCooldown(BiConsumer<String, Duration> listener) {
        cooldowns.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String ch, String message) {
                int space = message.indexOf(' ');
                if (!channel.equals(ch) || space < 0) {
                    return;
                }
                try {
                    long ms = Long.parseLong(message.substring(0, space));
                    listener.accept(message.substring(space + 1), Duration.ofNanos(scaled(ms * 1_000)));
                } catch (NumberFormatException e) {
                    // not one of ours: ignore
                }
            }
        });
    }

    @Override
    public long commands() {
        return commands.get();
    }

    @Override
    public CompletionStage<Boolean> ping() {
        commands.incrementAndGet();
        return redis.ping().thenApply("PONG"::equals).exceptionally(e -> false);
    }

    private CompletionStage<Object> eval(boolean acquire, String[] keys, String[] args) {
        String sha = acquire ? acquireSha : recordSha;
        String body = acquire ? ACQUIRE : RECORD;
        commands.incrementAndGet();
        if (sha == null) {
            return redis.scriptLoad(body).thenCompose(s -> {
                if (acquire) {
                    acquireSha = s;
                } else {
                    recordSha = s;
                }
                return redis.<Object>evalsha(s, ScriptOutputType.MULTI, keys, args);
            });
        }
        CompletableFuture<Object> out = new CompletableFuture<>();
        redis.<Object>evalsha(sha, ScriptOutputType.MULTI, keys, args).whenComplete((r, e) -> {
            if (e instanceof RedisNoScriptException || (e != null && e.getCause() instanceof RedisNoScriptException)) {
                // Redis restarted and lost its script cache: send the body again.
                commands.incrementAndGet();
                redis.<Object>eval(body, ScriptOutputType.MULTI, keys, args).whenComplete((r2, e2) -> {
                    if (e2 != null) {
                        out.completeExceptionally(e2);
                    } else {
                        out.complete(r2);
                    }
                });
                if (acquire) {
                    acquireSha = null;
                } else {
                    recordSha = null;
                }
            } else if (e != null) {
                out.completeExceptionally(e);
            } else {
                out.complete(r);
            }
        });
        return out;
    }

    private String[] keys(String deployment) {
        String tag = prefix + ":{" + deployment + "}";
        return new String[] {tag + ":tok", tag + ":sums", tag + ":req", tag + ":cool", tag + ":seq", tag + ":pace"};
    }

    private String micros(Duration quotaClock) {
        return Long.toString(Math.max(1, (long) Math.ceil(quotaClock.toNanos() / timeScale / 1_000)));
    }

    private long ttlMillis(Windows w) {
        return Math.max(1, (long) Math.ceil(w.tokenSpan().plus(w.ahead()).toNanos() / timeScale / 1e6)) + 10_000;
    }

    private long scaled(long micros) {
        return (long) Math.min(Long.MAX_VALUE, micros * 1_000.0 * timeScale);
    }

    private static long num(List<?> l, int i) {
        Object o = l.get(i);
        return o instanceof Long n ? n : Long.parseLong(o.toString());
    }

    private static String script(String name) {
        try (InputStream in = RedisQuotaStore.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        cooldowns.close();
        connection.close();
        client.shutdown();
    }
}
