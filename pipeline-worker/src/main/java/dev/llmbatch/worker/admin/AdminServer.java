package dev.llmbatch.worker.admin;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;
import java.util.function.Supplier;

/**
 * The worker's operator HTTP endpoints: {@code /metrics} (Prometheus text), {@code /health} (200 while the worker
 * runs, 503 when it is stopping or failed), {@code /health/live}, {@code /health/ready}, {@code /status.json} (alias
 * {@code /status}) and the status page at {@code /}: static files from the jar ({@code status-page/} on the class
 * path) that poll {@code /status.json}; a Content-Security-Policy keeps the page to this server. Binds to localhost
 * unless configured otherwise. Handlers run on a Vert.x event loop and only read thread-safe snapshots.
 */
public final class AdminServer {
    /** Where the status page's files are on the class path. */
    static final String PAGE_ROOT = "status-page";
    /** The page loads nothing from anywhere but this server (no CDN, no fonts, no analytics). */
    private static final String CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; "
            + "base-uri 'none'; frame-ancestors 'none'";

    private final HttpServer server;

    private AdminServer(HttpServer server) {
        this.server = server;
    }

    /**
     * @param health returns the health document; its {@code status} field is "up" when healthy, "degraded" when
     *               alive but a model pool has no deployment it can call (still 200: a restart would not fix a
     *               wrong key, and the jobs wait rather than fail)
     *               and its {@code ready} field whether the worker does its job now (see {@code /health/ready})
     * @param status returns the status document
     */
    public static AdminServer start(Vertx vertx, String host, int port, Metrics metrics,
            Supplier<JsonObject> health, Supplier<JsonObject> status) {
        Router router = Router.router(vertx);
        router.get("/metrics").handler(ctx -> ctx.response()
                .putHeader("content-type", "text/plain; version=0.0.4").end(metrics.render()));
        router.get("/health").handler(ctx -> {
            JsonObject h = health.get();
            String st = h.getString("status");
            json(ctx.request(), "up".equals(st) || "degraded".equals(st) ? 200 : 503, h.encode());
        });
        router.get("/health/live").handler(ctx -> {
            // Alive unless it failed for good: a restart is the remedy only then.
            JsonObject h = health.get();
            json(ctx.request(), "failed".equals(h.getString("status")) ? 503 : 200, h.encode());
        });
        router.get("/health/ready").handler(ctx -> {
            JsonObject h = health.get();
            json(ctx.request(), h.getBoolean("ready", false) ? 200 : 503, h.encode());
        });
        router.get("/status.json").handler(ctx -> json(ctx.request(), 200, status.get().encodePrettily()));
        router.get("/status").handler(ctx -> json(ctx.request(), 200, status.get().encodePrettily()));
        router.get("/*").handler(ctx -> {
            ctx.response().putHeader("content-security-policy", CSP).putHeader("x-content-type-options", "nosniff");
            ctx.next();
        }).handler(StaticHandler.create(PAGE_ROOT).setCachingEnabled(false).setDirectoryListing(false));
        HttpServer server = vertx.createHttpServer().requestHandler(router);
        HttpServer bound = await(server.listen(port, host));
        return new AdminServer(bound);
    }

    private static void json(io.vertx.core.http.HttpServerRequest req, int code, String body) {
        req.response().setStatusCode(code).putHeader("content-type", "application/json").end(body);
    }

    public int port() {
        return server.actualPort();
    }

    public void close() {
        await(server.close());
    }

    private static <T> T await(Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("admin HTTP server: " + e.getCause().getMessage(), e.getCause());
        }
    }
}
