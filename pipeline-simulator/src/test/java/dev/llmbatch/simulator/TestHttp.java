package dev.llmbatch.simulator;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Blocking helpers over one WebClient for the HTTP tests (called from the JUnit thread, never an event loop). */
final class TestHttp implements AutoCloseable {
    static final String KEY = "k1";

    final Vertx vertx;
    final WebClient client;

    TestHttp() {
        this.vertx = Vertx.vertx();
        this.client = WebClient.create(vertx);
    }

    static JsonObject chat(String system, String user, Integer maxTokens) {
        JsonArray messages = new JsonArray();
        if (system != null) {
            messages.add(new JsonObject().put("role", "system").put("content", system));
        }
        messages.add(new JsonObject().put("role", "user").put("content", user));
        JsonObject body = new JsonObject().put("messages", messages).put("temperature", 0);
        if (maxTokens != null) {
            body.put("max_tokens", maxTokens);
        }
        return body;
    }

    HttpRequest<Buffer> classic(Simulator sim, String region, String deployment) {
        return client.postAbs(sim.endpoint(region) + "/openai/deployments/" + deployment
                + "/chat/completions?api-version=2024-10-21").putHeader("api-key", KEY);
    }

    HttpResponse<Buffer> postClassic(Simulator sim, String region, String deployment, JsonObject body) {
        return await(classic(sim, region, deployment).sendJsonObject(body));
    }

    HttpResponse<Buffer> getStats(Simulator sim, String region) {
        return await(client.getAbs(sim.endpoint(region) + "/sim/stats").putHeader("api-key", KEY).send());
    }

    static <T> T await(Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError(e);
        } catch (ExecutionException e) {
            throw new AssertionError("request failed: " + e.getCause(), e.getCause());
        }
    }

    static Throwable failure(Future<?> f) {
        try {
            f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            throw new AssertionError("expected the request to fail");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        client.close();
        await(vertx.close());
    }
}
