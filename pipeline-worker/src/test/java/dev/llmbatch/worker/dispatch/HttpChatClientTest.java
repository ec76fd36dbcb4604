package dev.llmbatch.worker.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmbatch.core.config.ConfigLoader;
import dev.llmbatch.core.config.DeploymentConfig;
import dev.llmbatch.core.config.PipelineConfig;
import dev.llmbatch.core.outcome.CallOutcome;
import dev.llmbatch.core.outcome.OutcomeClassifier;
import dev.llmbatch.worker.auth.Credentials;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The real client against a real HTTP server on localhost: answers, headers, and a call abandoned mid-flight. */
class HttpChatClientTest {
    private static final String ANSWER = "{\"choices\":[{\"finish_reason\":\"stop\",\"message\":{\"content\":"
            + "\"こんにちは\"}}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3}}";

    private final Vertx vertx = Vertx.vertx();
    private final List<HttpServerRequest> held = new CopyOnWriteArrayList<>();
    private final AtomicInteger closedConnections = new AtomicInteger();
    private final AtomicReference<String> seenKey = new AtomicReference<>();
    private HttpServer server;
    private HttpChatClient client;
    private DeploymentConfig deployment;

    @BeforeEach
    void start() throws Exception {
        server = vertx.createHttpServer()
                .connectionHandler(c -> c.closeHandler(v -> closedConnections.incrementAndGet()))
                .requestHandler(req -> req.body().onSuccess(b -> {
                    seenKey.set(req.getHeader("api-key"));
                    if (b.toString(StandardCharsets.UTF_8).contains("hold")) {
                        held.add(req); // never answered: only the client can end it
                    } else {
                        req.response().putHeader("x-ratelimit-remaining-tokens", "4000")
                                .putHeader("content-type", "application/json").end(ANSWER);
                    }
                }))
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        PipelineConfig c = ConfigLoader.parse("""
                models:
                  gpt-4o-mini:
                    encoding: o200k_base
                    deployments:
                      - {region: eastus, endpoint: "http://127.0.0.1:PORT", deployment: d1, api-key-env: K, tpm: 1000, rpm: 6}
                """.replace("PORT", Integer.toString(server.actualPort())), Map.of());
        deployment = c.models().get("gpt-4o-mini").deployments().get(0);
        Credentials creds = Credentials.create(vertx, c, Map.of("K", "secret-key"), Clock.systemUTC());
        client = new HttpChatClient(vertx, new OutcomeClassifier(Clock.systemUTC(), Duration.ofSeconds(1)), creds,
                30_000, 4, 16);
    }

    @AfterEach
    void stop() {
        client.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    private ChatClient.Call callOnLoop(String body) throws Exception {
        AtomicReference<ChatClient.Call> call = new AtomicReference<>();
        vertx.runOnContext(v -> call.set(client.call(deployment, body.getBytes(StandardCharsets.UTF_8))));
        await().atMost(Duration.ofSeconds(5)).until(() -> call.get() != null);
        return call.get();
    }

    private static CallOutcome outcomeOf(Future<CallOutcome> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void answer_isClassifiedFromTheBytes_withTheServiceHeadersAndTheKeyInItsHeader() throws Exception {
        CallOutcome o = outcomeOf(callOnLoop("{\"messages\":[]}").outcome());

        assertThat(o).isEqualTo(new CallOutcome.Success("こんにちは", "stop", 12, 3, 4000, -1));
        assertThat(seenKey.get()).isEqualTo("secret-key");
    }

    @Test
    void cancel_whileTheServiceWorks_resetsTheConnectionAndTheOutcomeIsCancelled() throws Exception {
        ChatClient.Call call = callOnLoop("{\"hold\":true}");
        await().atMost(Duration.ofSeconds(10)).until(() -> held.size() == 1);
        assertThat(call.outcome().isComplete()).isFalse();

        vertx.runOnContext(v -> call.cancel());

        assertThat(outcomeOf(call.outcome())).isSameAs(ChatClient.CANCELLED);
        await().atMost(Duration.ofSeconds(10)).until(() -> closedConnections.get() == 1);
        // the client is still usable afterwards, on a new connection
        assertThat(outcomeOf(callOnLoop("{}").outcome())).isInstanceOf(CallOutcome.Success.class);
    }

    @Test
    void cancel_afterTheAnswer_changesNothing() throws Exception {
        ChatClient.Call call = callOnLoop("{}");
        CallOutcome o = outcomeOf(call.outcome());

        vertx.runOnContext(v -> call.cancel());

        assertThat(outcomeOf(call.outcome())).isEqualTo(o).isInstanceOf(CallOutcome.Success.class);
        assertThat(closedConnections.get()).isZero();
    }
}
