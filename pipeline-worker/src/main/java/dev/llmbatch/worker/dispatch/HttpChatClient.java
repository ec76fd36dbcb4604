package dev.llmbatch.worker.dispatch;

import dev.llmbatch.core.config.DeploymentConfig;
import dev.llmbatch.core.config.PipelineConfig;
import dev.llmbatch.core.config.WorkerSettings;
import dev.llmbatch.core.outcome.CallOutcome;
import dev.llmbatch.core.outcome.OutcomeClassifier;
import dev.llmbatch.core.request.ChatRequestBody;
import dev.llmbatch.worker.auth.AuthHeader;
import dev.llmbatch.worker.auth.Credentials;
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
import java.util.concurrent.TimeoutException;

/**
 * Sends one non-streaming chat-completions call and classifies what came back into a {@link CallOutcome}; nothing
 * outside this class sees an HTTP status or a transport exception. One pooled {@link WebClient} serves every
 * deployment: a sized connection pool per endpoint and a bounded wait queue. TLS verification stays on (the
 * client's defaults); keys and tokens travel only in headers, as {@link Credentials} gives them. A 401 is reported
 * back to the credentials (a key file is read again, a token fetched again); a deployment without a usable credential
 * (no Entra ID token yet) gets no call and is answered {@link CallOutcome.Misconfigured} at once, so its jobs go
 * elsewhere or wait.
 *
 * <p>Call {@link #call} from the dispatcher's event loop; the returned future completes on that loop.
 */
public final class HttpChatClient implements ChatClient {
    private final WebClient client;
    private final OutcomeClassifier classifier;
    private final Credentials credentials;
    private final long timeoutMs;

    /** The client of a worker: every deployment's credential from {@code credentials}, timeouts and pools. */
    public static HttpChatClient create(Vertx vertx, PipelineConfig config, Credentials credentials, Clock wallClock) {
        WorkerSettings w = config.worker();
        return new HttpChatClient(vertx, new OutcomeClassifier(wallClock, w.defaultCooldown()), credentials,
                w.requestTimeout().toMillis(), w.maxConnectionsPerRegion(), w.maxWaitQueue());
    }

    HttpChatClient(Vertx vertx, OutcomeClassifier classifier, Credentials credentials, long timeoutMs,
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
        this.credentials = credentials;
        this.timeoutMs = timeoutMs;
    }

    @Override
    public Future<CallOutcome> call(DeploymentConfig d, byte[] body) {
        AuthHeader auth = credentials.header(d);
        if (auth == null) {
            return Future.succeededFuture(new CallOutcome.Misconfigured(401, "CredentialUnavailable",
                    credentials.unavailable(d)));
        }
        String url = d.endpoint().toString() + ChatRequestBody.path(d);
        HttpRequest<Buffer> req = client.requestAbs(HttpMethod.POST, url)
                .timeout(timeoutMs)
                .putHeader("content-type", "application/json")
                .putHeader(auth.name(), auth.value());
        return req.sendBuffer(Buffer.buffer(body)).transform(ar -> {
            CallOutcome outcome = ar.succeeded() ? classify(ar.result()) : transportFailure(ar.cause());
            if (outcome instanceof CallOutcome.Misconfigured m && m.status() == 401) {
                credentials.rejected(d, auth);
            }
            return Future.succeededFuture(outcome);
        });
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
        credentials.close();
    }
}
