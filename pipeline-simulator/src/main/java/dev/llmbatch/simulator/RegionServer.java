package dev.llmbatch.simulator;

import com.knuddels.jtokkit.api.EncodingRegistry;
import dev.llmbatch.core.log.Mdc;
import dev.llmbatch.core.time.Ticker;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One region's HTTP server. A verticle, so that all of the region's requests, timers and state live on one
 * event-loop context; other threads reach the state only through {@link #call(Supplier)}.
 */
final class RegionServer extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(RegionServer.class);
    private static final long BODY_LIMIT = 32L * 1024 * 1024;

    private final RegionConfig config;
    private final SimulatorConfig global;
    private final Ticker clock;
    private final long startNanos;
    private final EncodingRegistry encodings;
    private final TokenIssuer tokens;
    private volatile Thread loopThread;
    private volatile int port = -1;
    private Region region;
    private HttpServer server;

    RegionServer(RegionConfig config, SimulatorConfig global, Ticker clock, long startNanos,
                 EncodingRegistry encodings, TokenIssuer tokens) {
        this.tokens = tokens;
        this.config = config;
        this.global = global;
        this.clock = clock;
        this.startNanos = startNanos;
        this.encodings = encodings;
    }

    @Override
    public Future<?> start() {
        loopThread = Thread.currentThread();
        region = new Region(config, global, clock, startNanos, encodings);
        ChatHandler chat = new ChatHandler(vertx, region);
        AdminHandler admin = new AdminHandler(region);
        Set<String> adminKeys = Set.copyOf(global.apiKeys());

        Router router = Router.router(vertx);
        router.route().handler(BodyHandler.create(false).setBodyLimit(BODY_LIMIT));
        router.route("/sim/token").handler(new TokenEndpoint(tokens)::handle);
        router.route().handler(rc -> {
            boolean simEndpoint = rc.request().path().startsWith("/sim/");
            if (simEndpoint ? authorised(rc, adminKeys) : authorised(rc, region.acceptedKeys)) {
                rc.next();
                return;
            }
            String bearer = bearer(rc);
            if (!simEndpoint && bearer != null && tokens.valid(bearer)) {
                rc.next();
                return;
            }
            region.unauthorized++;
            // A bearer that is not one of our tokens is taken for a key sent the OpenAI way
            chat.send(rc.response(), 401, bearer != null && TokenIssuer.looksLikeToken(bearer)
                    && rc.request().getHeader("api-key") == null ? Bodies.invalidToken() : Bodies.unauthorized());
        });
        router.post("/openai/deployments/:deployment/chat/completions").handler(chat::classic);
        router.post("/openai/v1/chat/completions").handler(chat::v1);
        router.post("/v1/chat/completions").handler(chat::v1);
        router.get("/sim/stats").handler(admin::stats);
        router.post("/sim/admin/quota").handler(admin::quota);
        router.post("/sim/admin/faults").handler(admin::faults);
        router.post("/sim/admin/batch-faults").handler(admin::batchFaults);
        router.post("/sim/admin/packing").handler(admin::packing);
        router.post("/sim/admin/auth").handler(admin::auth);
        router.post("/sim/admin/deployment").handler(admin::deployment);
        router.post("/sim/admin/latency").handler(admin::latency);
        router.route().handler(rc -> {
            region.notRouted++;
            chat.send(rc.response(), 404, Bodies.resourceNotFound());
        });
        router.route().failureHandler(rc -> {
            if (rc.statusCode() == 413) {
                chat.send(rc.response(), 413, Bodies.invalidRequest("Request body too large", null, null));
                return;
            }
            try (Mdc.Scope s = Mdc.deployment(config.name(), rc.pathParam("deployment"))) {
                LOG.error("region {}: unexpected failure handling {} {}", config.name(), rc.request().method(),
                        rc.request().path(), rc.failure());
            }
            chat.send(rc.response(), 500, Bodies.serverError());
        });

        server = vertx.createHttpServer(new HttpServerOptions().setHost(global.host()).setPort(config.port()));
        return server.requestHandler(router).listen().onSuccess(s -> {
            port = s.actualPort();
            try (Mdc.Scope r = Mdc.deployment(config.name(), null)) {
                LOG.info("region {} listening on {}:{}", config.name(), global.host(), port);
            }
        });
    }

    @Override
    public Future<?> stop() {
        List<HttpServerResponse> open = new ArrayList<>(region.hanging);
        region.hanging.clear();
        open.forEach(HttpServerResponse::reset);
        return server == null ? Future.succeededFuture() : server.close();
    }

    private static boolean authorised(RoutingContext rc, Set<String> keys) {
        String key = rc.request().getHeader("api-key");
        if (key != null && keys.contains(key)) {
            return true;
        }
        String bearer = bearer(rc);
        return bearer != null && keys.contains(bearer);
    }

    /** The value of {@code Authorization: Bearer V}, or null. */
    private static String bearer(RoutingContext rc) {
        String auth = rc.request().getHeader("authorization");
        return auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim() : null;
    }

    String name() {
        return config.name();
    }

    int port() {
        return port;
    }

    /**
     * Runs {@code action} on the region's event loop and waits for its result: directly when already on that loop's
     * thread (so a caller on the same loop cannot deadlock), else by hopping onto the context.
     */
    <T> T call(Supplier<T> action) {
        if (Thread.currentThread() == loopThread) {
            return action.get();
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        context.runOnContext(v -> {
            try {
                result.complete(action.get());
            } catch (RuntimeException | Error e) {
                result.completeExceptionally(e);
            }
        });
        try {
            return result.get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for region " + config.name(), e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("region " + config.name() + " did not answer within 10 s", e);
        }
    }

    RegionStats stats() {
        return call(region::snapshot);
    }

    void setQuota(String deployment, long tpm, long rpm) {
        call(() -> {
            region.setQuota(deployment, tpm, rpm);
            return null;
        });
    }

    void setFaults(FaultSpec faults) {
        call(() -> {
            region.setFaults(faults);
            return null;
        });
    }

    void setLatency(LatencyConfig latency) {
        call(() -> {
            region.setLatency(latency);
            return null;
        });
    }

    /** The latency model in force (configured or runtime). */
    LatencyConfig latency() {
        return call(region::latency);
    }

    void setBatchFaults(BatchFaults faults) {
        call(() -> {
            region.setBatchFaults(faults);
            return null;
        });
    }

    void setApiKeys(java.util.List<String> keys) {
        call(() -> {
            region.setApiKeys(keys);
            return null;
        });
    }

    void setMissing(String deployment, boolean missing) {
        call(() -> {
            region.setMissing(deployment, missing);
            return null;
        });
    }

    void setPacking(String deployment, PackingMode mode) {
        call(() -> {
            region.setPacking(deployment, mode);
            return null;
        });
    }
}
