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
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.ConnectException;
import java.time.Clock;
import java.util.concurrent.TimeoutException;

/**
 * Sends one non-streaming chat-completions call and classifies what came back into a {@link CallOutcome}; nothing
 * outside this class sees an HTTP status or a transport exception. One pooled Vert.x {@code HttpClient} serves every
 * deployment: a sized connection pool per endpoint and a bounded wait queue. TLS verification stays on (the
 * client's defaults); keys and tokens travel only in headers, as {@link Credentials} gives them. A 401 is reported
 * back to the credentials (a key file is read again, a token fetched again); a deployment without a usable credential
 * (no Entra ID token yet) gets no call and is answered {@link CallOutcome.Misconfigured} at once, so its jobs go
 * elsewhere or wait.
 *
 * <p>The plain HTTP client rather than the WebClient: a call can be abandoned (a hedge's twin answered), which the
 * WebClient cannot do, and the WebClient's interceptor chain and body pipe were a visible share of the dispatcher's
 * CPU per call. The answer's bytes go to the JSON binder as they are (no String of the body).
 *
 * <p>Call {@link #call} from the dispatcher's event loop; the outcome completes on that loop.
 */
public final class HttpChatClient implements ChatClient {
    private static final CharSequence USER_AGENT = HttpHeaders.createOptimized("llm-batch-pipeline");
    private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");
    private final HttpClientAgent client;
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
        HttpClientOptions options = new HttpClientOptions()
                .setKeepAlive(true)
                .setTcpNoDelay(true)
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, Math.min(timeoutMs, 10_000)));
        PoolOptions pool = new PoolOptions().setHttp1MaxSize(maxConnectionsPerEndpoint)
                .setMaxWaitQueueSize(maxWaitQueue);
        this.client = vertx.createHttpClient(options, pool);
        this.classifier = classifier;
        this.credentials = credentials;
        this.timeoutMs = timeoutMs;
    }

    @Override
    public Call call(DeploymentConfig d, byte[] body) {
        AuthHeader auth = credentials.header(d);
        if (auth == null) {
            return Call.done(new CallOutcome.Misconfigured(401, "CredentialUnavailable", credentials.unavailable(d)));
        }
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setAbsoluteURI(d.endpoint().toString() + ChatRequestBody.path(d))
                .setTimeout(timeoutMs)
                .setFollowRedirects(false)
                .putHeader(HttpHeaders.CONTENT_TYPE, JSON)
                .putHeader(HttpHeaders.USER_AGENT, USER_AGENT)
                .putHeader(auth.name(), auth.value());
        HttpCall call = new HttpCall();
        client.request(options).onComplete(ar -> {
            if (ar.failed()) {
                call.finish(transportFailure(ar.cause()));
                return;
            }
            HttpClientRequest req = ar.result();
            if (call.cancelled) {
                req.reset();
                return;
            }
            call.request = req;
            req.send(Buffer.buffer(body))
                    .compose(resp -> resp.body().map(b -> classify(resp, b)))
                    .onComplete(done -> call.finish(done.succeeded() ? done.result()
                            : transportFailure(done.cause())));
        });
        // mapped once: the credentials hear of a 401 once, however often the outcome is read
        Future<CallOutcome> outcome = call.promise.future().map(o -> {
            if (o instanceof CallOutcome.Misconfigured m && m.status() == 401) {
                credentials.rejected(d, auth);
            }
            return o;
        });
        return new Call() {
            @Override
            public Future<CallOutcome> outcome() {
                return outcome;
            }

            @Override
            public void cancel() {
                call.cancel();
            }
        };
    }

    /** One call's state; touched only on the event loop it was made from. */
    private static final class HttpCall {
        final Promise<CallOutcome> promise = Promise.promise();
        HttpClientRequest request;
        boolean cancelled;

        void finish(CallOutcome outcome) {
            promise.tryComplete(cancelled ? CANCELLED : outcome);
        }

        void cancel() {
            if (cancelled || promise.future().isComplete()) {
                return;
            }
            cancelled = true;
            if (request != null) {
                request.reset();
            }
            promise.tryComplete(CANCELLED);
        }
    }

    private CallOutcome classify(HttpClientResponse r, Buffer body) {
        return classifier.classifyUtf8(r.statusCode(), r::getHeader, body == null ? new byte[0] : body.getBytes());
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
