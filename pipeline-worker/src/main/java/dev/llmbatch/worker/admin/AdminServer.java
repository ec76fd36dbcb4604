package dev.llmbatch.worker.admin;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.util.function.Supplier;

/**
 * The worker's operator HTTP endpoints: {@code /metrics} (Prometheus text), {@code /health} (200 while the worker
 * runs, 503 when it is stopping or failed) and {@code /status.json}. Binds to localhost unless configured otherwise.
 * Handlers run on a Vert.x event loop and only read thread-safe snapshots.
 */
public final class AdminServer {
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
        HttpServer server = vertx.createHttpServer().requestHandler(req -> {
            switch (req.path()) {
                case "/metrics" -> req.response().putHeader("content-type", "text/plain; version=0.0.4")
                        .end(metrics.render());
                case "/health" -> {
                    JsonObject h = health.get();
                    String st = h.getString("status");
                    json(req, "up".equals(st) || "degraded".equals(st) ? 200 : 503, h.encode());
                }
                case "/health/live" -> {
                    // Alive unless it failed for good: a restart is the remedy only then.
                    JsonObject h = health.get();
                    json(req, "failed".equals(h.getString("status")) ? 503 : 200, h.encode());
                }
                case "/health/ready" -> {
                    JsonObject h = health.get();
                    json(req, h.getBoolean("ready", false) ? 200 : 503, h.encode());
                }
                case "/status.json", "/status" -> json(req, 200, status.get().encodePrettily());
                default -> req.response().setStatusCode(404).end("not found\n");
            }
        });
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
