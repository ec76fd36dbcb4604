package dev.llmbatch.worker.dispatch;

import dev.llmbatch.core.config.ApiStyle;
import dev.llmbatch.core.config.DeploymentConfig;
import dev.llmbatch.core.config.ModelPool;
import dev.llmbatch.core.config.PipelineConfig;
import dev.llmbatch.core.config.WorkerSettings;
import dev.llmbatch.core.outcome.CallOutcome;
import dev.llmbatch.core.outcome.OutcomeClassifier;
import dev.llmbatch.core.request.ChatRequestBody;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.ConnectException;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * Sends one non-streaming chat-completions call and classifies what came back into a {@link CallOutcome}; nothing
 * outside this class sees an HTTP status or a transport exception. One pooled {@link WebClient} serves every
 * deployment: a sized connection pool per endpoint and a bounded wait queue. TLS verification stays on (the
 * client's defaults); keys travel only in headers.
 *
 * <p>Call {@link #call} from the dispatcher's event loop; the returned future completes on that loop.
 */
public final class HttpChatClient implements ChatClient {
    private final WebClient client;
    private final OutcomeClassifier classifier;
    private final Map<String, Secret> keys;
    private final long timeoutMs;

    /** The client of a worker: every deployment's key resolved from {@code env} (or its file), timeouts and pools. */
    public static HttpChatClient create(Vertx vertx, PipelineConfig config, Map<String, String> env, Clock wallClock) {
        WorkerSettings w = config.worker();
        Map<String, Secret> keys = new HashMap<>();
        for (ModelPool pool : config.models().values()) {
            for (DeploymentConfig d : pool.deployments()) {
                keys.put(d.id(), Secret.resolve(d, env));
            }
        }
        return new HttpChatClient(vertx, new OutcomeClassifier(wallClock, w.defaultCooldown()), keys,
                w.requestTimeout().toMillis(), w.maxConnectionsPerRegion(), w.maxWaitQueue());
    }

    HttpChatClient(Vertx vertx, OutcomeClassifier classifier, Map<String, Secret> keysByDeploymentId, long timeoutMs,
            int maxConnectionsPerEndpoint, int maxWaitQueue) {
        WebClientOptions options = new WebClientOptions()
                .setKeepAlive(true)
                .setTcpNoDelay(true)
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, Math.min(timeoutMs, 10_000)))
                .setUserAgent("llm-batch-pipeline")
                .setFollowRedirects(false);
        PoolOptions pool = new PoolOptions().setHttp1MaxSize(maxConnectionsPerEndpoint)
                .setMaxWaitQueueSize(maxWaitQueue);
        this.client = WebClient.create(vertx, options, pool);
        this.classifier = classifier;
        this.keys = Map.copyOf(keysByDeploymentId);
        this.timeoutMs = timeoutMs;
    }

    @Override
    public Future<CallOutcome> call(DeploymentConfig d, byte[] body) {
        String url = d.endpoint().toString() + ChatRequestBody.path(d);
        HttpRequest<Buffer> req = client.requestAbs(HttpMethod.POST, url)
                .timeout(timeoutMs)
                .putHeader("content-type", "application/json");
        String key = keys.get(d.id()).reveal();
        if (d.apiStyle() == ApiStyle.OPENAI) {
            req.putHeader("authorization", "Bearer " + key);
        } else {
            req.putHeader("api-key", key);
        }
        return req.sendBuffer(Buffer.buffer(body)).transform(ar -> Future.succeededFuture(
                ar.succeeded() ? classify(ar.result()) : transportFailure(ar.cause())));
    }

    private CallOutcome classify(HttpResponse<Buffer> r) {
        Buffer b = r.body();
        return classifier.classify(r.statusCode(), r::getHeader, b == null ? "" : b.toString());
    }

    /** A call that produced no HTTP response. The message names the failure type only: never a URL with a key. */
    static CallOutcome transportFailure(Throwable t) {
        if (t instanceof TimeoutException || String.valueOf(t.getMessage()).contains("timeout")) {
            return new CallOutcome.Retriable(0, "timeout", "no response within the request timeout");
        }
        if (t instanceof ConnectException) {
            return new CallOutcome.Retriable(0, "connect_failed", "could not connect: " + t.getClass().getSimpleName());
        }
        return new CallOutcome.Retriable(0, "connection_error", "connection failed: " + t.getClass().getSimpleName());
    }

    @Override
    public void close() {
        client.close();
    }
}
