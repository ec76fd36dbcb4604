package dev.llmbatch.worker.intake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.config.ConfigLoader;
import dev.llmbatch.core.config.WorkerSettings.IdempotencySettings;
import dev.llmbatch.core.job.JobResolver;
import dev.llmbatch.core.result.ResultCodec;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.worker.emission.Ticket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouterTest {
    private static final String CONFIG = """
            models:
              gpt-4o-mini:
                encoding: o200k_base
                context-window: 500
                deployments:
                  - {region: r1, endpoint: "http://127.0.0.1:1", deployment: d, api-key-env: K, tpm: 100000, rpm: 600}
            tasks:
              sentiment: {system: "Classify the sentiment.", max-tokens: 5, batchable: true}
            """;
    private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
    private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    private final Deduplicator dedupe = new Deduplicator(new IdempotencySettings(true, Duration.ofMinutes(10),
            100), clock);
    private final Router router = new Router(new JobResolver(ConfigLoader.parse(CONFIG, Map.of()), p -> 10_000),
            dedupe, clock);

    private static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Ticket ticket(long offset) {
        return new Ticket("jobs", 0, offset, 0);
    }

    private static final String VALID = "{\"id\":\"a\",\"model\":\"gpt-4o-mini\",\"task\":\"sentiment\",\"input\":\"Great\"}";

    @Test
    void validJob_isDispatched_resolvedAgainstItsTask() {
        Route r = router.route(json(VALID), ticket(0), false);
        assertThat(r).isInstanceOf(Route.Dispatch.class);
        Route.Dispatch d = (Route.Dispatch) r;
        assertThat(d.job().job().id()).isEqualTo("a");
        assertThat(d.job().maxTokens()).isEqualTo(5);
    }

    @Test
    void answeredAlready_isSkipped_withoutDecoding() {
        assertThat(router.route(json("not json"), ticket(0), true)).isSameAs(Route.Skip.INSTANCE);
    }

    @Test
    void unparseable_isDeadLettered_withoutAResult() {
        Route r = router.route(json("{not json"), ticket(0), false);
        assertThat(r).isInstanceOfSatisfying(Route.DeadLetter.class, d -> {
            assertThat(d.code()).isEqualTo("invalid_json");
            assertThat(d.rejected()).isNull();
        });
        assertThat(router.route(null, ticket(1), false)).isInstanceOf(Route.DeadLetter.class);
    }

    @Test
    void invalidWithId_isDeadLettered_andRejected() {
        Route r = router.route(json("{\"id\":\"b\",\"model\":\"gpt-4o-mini\"}"), ticket(0), false);
        assertThat(r).isInstanceOfSatisfying(Route.DeadLetter.class, d -> {
            assertThat(d.rejected()).isNotNull();
            assertThat(d.rejected().id()).isEqualTo("b");
            assertThat(d.rejected().status()).isEqualTo(Status.REJECTED);
            assertThat(d.rejected().error().code()).isEqualTo(d.code());
        });
    }

    @Test
    void unknownModel_isRejectedByTheResolver_andDeadLettered() {
        Route r = router.route(json("{\"id\":\"c\",\"model\":\"nope\",\"task\":\"sentiment\",\"input\":\"x\"}"),
                ticket(0), false);
        assertThat(r).isInstanceOfSatisfying(Route.DeadLetter.class, d -> {
            assertThat(d.code()).isEqualTo("unknown_model");
            assertThat(d.rejected().id()).isEqualTo("c");
        });
    }

    @Test
    void pastDeadline_isAnsweredExpired() {
        Route r = router.route(json("{\"id\":\"e\",\"model\":\"gpt-4o-mini\",\"task\":\"sentiment\",\"input\":\"x\","
                + "\"deadline\":\"2026-11-23T11:59:59Z\"}"), ticket(0), false);
        assertThat(r).isInstanceOfSatisfying(Route.Answer.class, a -> {
            assertThat(a.kind()).isEqualTo("expired");
            assertThat(a.result().status()).isEqualTo(Status.EXPIRED);
            assertThat(a.result().error().code()).isEqualTo("deadline_exceeded");
        });
    }

    @Test
    void sameIdInFlight_follows_thenAnsweredId_isReplayed() {
        assertThat(router.route(json(VALID), ticket(0), false)).isInstanceOf(Route.Dispatch.class);
        assertThat(router.route(json(VALID), ticket(1), false)).isSameAs(Route.Follow.INSTANCE);
        var answer = ResultSinkResults.succeeded("a");
        assertThat(dedupe.onPublished(answer, ResultCodec.encode(answer))).hasSize(1);
        Route r = router.route(json(VALID), ticket(2), false);
        assertThat(r).isInstanceOfSatisfying(Route.Answer.class, a -> {
            assertThat(a.kind()).isEqualTo("replayed");
            assertThat(a.result().trace()).containsExactly("replay");
        });
    }

    @Test
    void everyRoute_isHandledByExactlyOneHandlerMethod() {
        StringBuilder seen = new StringBuilder();
        Route.Handler h = new Route.Handler() {
            @Override
            public void dispatch(Route.Dispatch d) {
                seen.append('D');
            }

            @Override
            public void answer(Route.Answer a) {
                seen.append('A');
            }

            @Override
            public void deadLetter(Route.DeadLetter d) {
                seen.append('L');
            }

            @Override
            public void follow(Route.Follow f) {
                seen.append('F');
            }

            @Override
            public void skip(Route.Skip s) {
                seen.append('S');
            }
        };
        new Route.Dispatch(null).applyTo(h);
        new Route.Answer(null, "x").applyTo(h);
        new Route.DeadLetter("c", "m", null).applyTo(h);
        Route.Follow.INSTANCE.applyTo(h);
        Route.Skip.INSTANCE.applyTo(h);
        assertThat(seen).hasToString("DALFS");
    }
}
