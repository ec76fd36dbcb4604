package dev.llmbatch.worker.dispatch;

import dev.llmbatch.core.config.ApiStyle;
import dev.llmbatch.core.config.DeploymentConfig;
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
final class ChatClient {
    private final WebClient client;
    private final OutcomeClassifier classifier;
    private final Map<String, Secret> keys;
    private final long timeoutMs;

    ChatClient(Vertx vertx, OutcomeClassifier classifier, Map<String, Secret> keysByDeploymentId, long timeoutMs,
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

    Future<CallOutcome> call(DeploymentConfig d, byte[] body) {
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

    void close() {
        client.close();
    }
}
