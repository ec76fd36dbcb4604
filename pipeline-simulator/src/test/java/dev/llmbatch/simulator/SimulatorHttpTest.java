package dev.llmbatch.simulator;

import static dev.llmbatch.simulator.TestHttp.KEY;
import static dev.llmbatch.simulator.TestHttp.await;
import static dev.llmbatch.simulator.TestHttp.chat;
import static org.assertj.core.api.Assertions.assertThat;

import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The HTTP surface against a started simulator with a fake simulated clock ({@link FakeClockHttpTest}) and instant
 * latency, so that windows and retry-after values are exact.
 */
class SimulatorHttpTest extends FakeClockHttpTest {
    private static final String CONFIG = """
            api-keys: [k1, k2]
            regions:
              - name: r1
                display-name: Region One
                latency: {rtt-ms: 0, ttft-ms: 0, prefill-ms-per-1k: 0, tps: 1.0e12, ttft-sigma: 0, tps-sigma: 0}
                deployments:
                  - name: dep
                    model: gpt-4o-mini-2024-07-18
                    tpm: 1000
                    rpm: 60
                    content-filter-pattern: "(?i)forbidden"
                    output-filter-pattern: "BLOCKME"
                  - {name: short, tpm: 100, rpm: 600, body-style: short, header-profile: no-retry-after}
                  - {name: newer, model: gpt-4.1, tpm: 100, rpm: 600, body-style: rate-limit-reached,
                     header-profile: none}
                  - {name: shed, tpm: 100000, shedding-rate: 1.0}
                  - {name: small-context, context-window: 200}
              - name: r2
                latency: {rtt-ms: 0, ttft-ms: 0, prefill-ms-per-1k: 0, tps: 1.0e12, ttft-sigma: 0, tps-sigma: 0}
                faults:
                  - {from-s: 0, to-s: 10, p-500: 1.0}
                deployments:
                  - {name: dep, tpm: 100000}
            """;

    @Override
    String config() {
        return CONFIG;
    }

    private static JsonObject error(HttpResponse<Buffer> resp) {
        return resp.bodyAsJsonObject().getJsonObject("error");
    }

    @Test
    void chat_validRequest_returnsFakeModelReplyInFullResponseShape() {
        String system = "Classify the sentiment as positive, negative or neutral.";
        HttpResponse<Buffer> resp = post("dep", chat(system, "Great phone", 5));

        assertThat(resp.statusCode()).isEqualTo(200);
        JsonObject body = resp.bodyAsJsonObject();
        assertThat(body.getString("id")).startsWith("chatcmpl-").hasSize("chatcmpl-".length() + 29);
        assertThat(body.getString("object")).isEqualTo("chat.completion");
        assertThat(body.getString("model")).isEqualTo("gpt-4o-mini-2024-07-18");
        assertThat(body.getLong("created")).isPositive();
        JsonObject choice = body.getJsonArray("choices").getJsonObject(0);
        assertThat(choice.getJsonObject("message").getString("content"))
                .isEqualTo(FakeModel.reply(system, "Great phone"));
        assertThat(choice.getJsonObject("message").getString("role")).isEqualTo("assistant");
        assertThat(choice.getString("finish_reason")).isEqualTo("stop");
        assertThat(choice.getJsonObject("content_filter_results").getJsonObject("hate").getBoolean("filtered"))
                .isFalse();
        assertThat(body.getJsonArray("prompt_filter_results").getJsonObject(0).getInteger("prompt_index")).isZero();

        Encoding enc = Tokenizers.registry().getEncoding(EncodingType.O200K_BASE);
        int expectedPrompt = 3 + (3 + enc.countTokens("system") + enc.countTokens(system))
                + (3 + enc.countTokens("user") + enc.countTokens("Great phone"));
        JsonObject usage = body.getJsonObject("usage");
        assertThat(usage.getInteger("prompt_tokens")).isEqualTo(expectedPrompt);
        assertThat(usage.getInteger("completion_tokens")).isEqualTo(FakeModel.completionTokens("negative"));
        assertThat(usage.getInteger("total_tokens")).isEqualTo(expectedPrompt + 2);
        assertThat(usage.getJsonObject("prompt_tokens_details").getInteger("cached_tokens")).isZero();
        assertThat(usage.getJsonObject("completion_tokens_details").getInteger("reasoning_tokens")).isZero();

        long cost = (system.length() + "Great phone".length() + 3) / 4 + 1 + 5;
        assertThat(resp.getHeader("x-ms-region")).isEqualTo("Region One");
        assertThat(resp.getHeader("x-ms-deployment-name")).isEqualTo("dep");
        assertThat(resp.getHeader("apim-request-id")).isNotBlank();
        assertThat(resp.getHeader("x-request-id")).isNotBlank();
        assertThat(resp.getHeader("x-ratelimit-remaining-tokens")).isEqualTo(String.valueOf(1000 - cost));
        assertThat(resp.getHeader("x-ratelimit-remaining-requests")).isEqualTo("9");
        assertThat(resp.getHeader("x-ratelimit-limit-tokens")).isEqualTo("1000");
        assertThat(resp.getHeader("x-ratelimit-limit-requests")).isEqualTo("60");
        assertThat(sim.stats("r1").deployment("dep").admittedTokens()).isEqualTo(cost);
    }

    @Test
    void chat_maxTokensBelowReply_truncatedWithFinishReasonLength() {
        JsonObject body = post("dep", chat("translate this", "abcdefghijklmnop", 2)).bodyAsJsonObject();
        JsonObject choice = body.getJsonArray("choices").getJsonObject(0);
        assertThat(choice.getString("finish_reason")).isEqualTo("length");
        assertThat(choice.getJsonObject("message").getString("content"))
                .isEqualTo(FakeModel.complete("translate this", "abcdefghijklmnop", 2).content())
                .isEqualTo("[transla");
        assertThat(body.getJsonObject("usage").getInteger("completion_tokens")).isEqualTo(2);
    }

    @Test
    void chat_nChoices_repeatsChoiceAndMultipliesCost() {
        JsonObject req = chat(null, "hi", 10).put("n", 3);
        HttpResponse<Buffer> resp = post("dep", req);
        assertThat(resp.bodyAsJsonObject().getJsonArray("choices")).hasSize(3);
        assertThat(resp.bodyAsJsonObject().getJsonObject("usage").getInteger("completion_tokens"))
                .isEqualTo(3 * FakeModel.complete(null, "hi", 10).completionTokens());
        assertThat(sim.stats("r1").deployment("dep").admittedTokens()).isEqualTo(1 + 1 + 30);
    }

    @Test
    void v1Routes_modelInBody_routeToDeployment() {
        for (String path : List.of("/openai/v1/chat/completions", "/v1/chat/completions")) {
            HttpResponse<Buffer> ok = await(http.client.postAbs(sim.endpoint("r1") + path)
                    .putHeader("Authorization", "Bearer " + KEY).sendJsonObject(chat(null, "x", 5).put("model", "dep")));
            assertThat(ok.statusCode()).as(path).isEqualTo(200);
            assertThat(ok.bodyAsJsonObject().getJsonArray("choices").getJsonObject(0).getJsonObject("message")
                    .getString("content")).isEqualTo(FakeModel.complete(null, "x", 5).content());

            HttpResponse<Buffer> unknown = await(http.client.postAbs(sim.endpoint("r1") + path)
                    .putHeader("api-key", KEY).sendJsonObject(chat(null, "x", 5).put("model", "nope")));
            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(error(unknown).getString("code")).isEqualTo("DeploymentNotFound");

            HttpResponse<Buffer> noModel = await(http.client.postAbs(sim.endpoint("r1") + path)
                    .putHeader("api-key", KEY).sendJsonObject(chat(null, "x", 5)));
            assertThat(noModel.statusCode()).isEqualTo(400);
        }
        assertThat(sim.stats("r1").deployment("dep").accepted()).isEqualTo(2);
    }

    @Test
    void auth_missingWrongOrBearerKey_401UnlessKeyAccepted() {
        String url = sim.endpoint("r1") + "/openai/deployments/dep/chat/completions?api-version=2024-10-21";
        HttpResponse<Buffer> none = await(http.client.postAbs(url).sendJsonObject(chat(null, "x", 5)));
        HttpResponse<Buffer> wrong = await(http.client.postAbs(url).putHeader("api-key", "nope")
                .sendJsonObject(chat(null, "x", 5)));
        HttpResponse<Buffer> wrongBearer = await(http.client.postAbs(url).putHeader("Authorization", "Bearer nope")
                .sendJsonObject(chat(null, "x", 5)));
        HttpResponse<Buffer> secondKey = await(http.client.postAbs(url).putHeader("api-key", "k2")
                .sendJsonObject(chat(null, "x", 5)));
        HttpResponse<Buffer> stats = await(http.client.getAbs(sim.endpoint("r1") + "/sim/stats").send());
        HttpResponse<Buffer> unknownPath = await(http.client.getAbs(sim.endpoint("r1") + "/nothing").send());

        for (HttpResponse<Buffer> r : List.of(none, wrong, wrongBearer, stats, unknownPath)) {
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(error(r).getString("code")).isEqualTo("401");
            assertThat(error(r).getString("message")).startsWith("Access denied due to invalid subscription key");
        }
        assertThat(secondKey.statusCode()).isEqualTo(200);
        RegionStats s = sim.stats("r1");
        assertThat(s.unauthorized()).isEqualTo(5);
        assertThat(s.deployment("dep").requests()).isEqualTo(1);
    }

    @Test
    void routing_badApiVersionUnknownDeploymentOrPath_404() {
        String base = sim.endpoint("r1") + "/openai/deployments/";
        HttpResponse<Buffer> noVersion = await(http.client.postAbs(base + "dep/chat/completions")
                .putHeader("api-key", KEY).sendJsonObject(chat(null, "x", 5)));
        HttpResponse<Buffer> badVersion = await(http.client.postAbs(base + "dep/chat/completions?api-version=latest")
                .putHeader("api-key", KEY).sendJsonObject(chat(null, "x", 5)));
        HttpResponse<Buffer> preview = await(http.client
                .postAbs(base + "dep/chat/completions?api-version=2024-08-01-preview")
                .putHeader("api-key", KEY).sendJsonObject(chat(null, "x", 5)));
        HttpResponse<Buffer> unknownDeployment = post("gpt-5", chat(null, "x", 5));
        HttpResponse<Buffer> wrongMethod = await(http.client.getAbs(base + "dep/chat/completions?api-version=2024-10-21")
                .putHeader("api-key", KEY).send());

        for (HttpResponse<Buffer> r : List.of(noVersion, badVersion, wrongMethod)) {
            assertThat(r.statusCode()).isEqualTo(404);
            assertThat(r.bodyAsJsonObject()).isEqualTo(new JsonObject()
                    .put("error", new JsonObject().put("code", "404").put("message", "Resource not found")));
        }
        assertThat(preview.statusCode()).isEqualTo(200);
        assertThat(unknownDeployment.statusCode()).isEqualTo(404);
        assertThat(error(unknownDeployment).getString("code")).isEqualTo("DeploymentNotFound");
        assertThat(error(unknownDeployment).getString("message"))
                .startsWith("The API deployment for this resource does not exist.");
        assertThat(sim.stats("r1").notRouted()).isEqualTo(4);
    }

    @Test
    void validation_malformedRequests_400InvalidRequestAndNotCharged() {
        HttpResponse<Buffer> badJson = await(http.classic(sim, "r1", "dep").sendBuffer(Buffer.buffer("{nope")));
        HttpResponse<Buffer> noMessages = post("dep", new JsonObject().put("max_tokens", 5));
        HttpResponse<Buffer> emptyMessages = post("dep", new JsonObject().put("messages", new JsonArray()));
        HttpResponse<Buffer> zeroMaxTokens = post("dep", chat(null, "x", 0));
        HttpResponse<Buffer> stringMaxTokens = post("dep", chat(null, "x", null).put("max_tokens", "5"));
        HttpResponse<Buffer> badRole = post("dep", new JsonObject().put("messages",
                new JsonArray().add(new JsonObject().put("role", "robot").put("content", "x"))));

        for (HttpResponse<Buffer> r : List.of(badJson, noMessages, emptyMessages, zeroMaxTokens, stringMaxTokens,
                badRole)) {
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(error(r).getString("type")).isEqualTo("invalid_request_error");
        }
        assertThat(error(noMessages).getString("message")).isEqualTo("'messages' is a required property");
        assertThat(error(zeroMaxTokens).getString("code")).isEqualTo("integer_below_min_value");
        DeploymentStats s = sim.stats("r1").deployment("dep");
        assertThat(s.errors(400)).isEqualTo(6);
        assertThat(s.accepted()).isZero();
        assertThat(s.admittedTokens()).isZero();
    }

    @Test
    void validation_jsonObjectFormat_needsTheWordJson() {
        JsonObject format = new JsonObject().put("type", "json_object");
        HttpResponse<Buffer> without = post("dep", chat(null, "list colours", 5).put("response_format", format));
        HttpResponse<Buffer> with = post("dep", chat("Answer in JSON.", "list colours", 5)
                .put("response_format", format));
        assertThat(without.statusCode()).isEqualTo(400);
        assertThat(error(without).getString("message")).isEqualTo("'messages' must contain the word 'json' in some "
                + "form, to use 'response_format' of type 'json_object'.");
        assertThat(with.statusCode()).isEqualTo(200);
    }

    @Test
    void contextCheck_promptPlusMaxTokensOverWindow_400ContextLengthExceeded() {
        HttpResponse<Buffer> fits = post("small-context", chat(null, "short", 150));
        HttpResponse<Buffer> tooMuch = post("small-context", chat(null, "short", 195));
        assertThat(fits.statusCode()).isEqualTo(200);
        assertThat(tooMuch.statusCode()).isEqualTo(400);
        JsonObject e = error(tooMuch);
        assertThat(e.getString("code")).isEqualTo("context_length_exceeded");
        assertThat(e.getString("param")).isEqualTo("messages");
        assertThat(e.getString("message")).startsWith("This model's maximum context length is 200 tokens. "
                + "However, you requested ").contains("195 in the completion");
    }

    @Test
    void contentFilter_matchingPrompt_400ContentFilterNotCharged() {
        HttpResponse<Buffer> resp = post("dep", chat("be nice", "a FORBIDDEN word", 5));
        assertThat(resp.statusCode()).isEqualTo(400);
        JsonObject e = error(resp);
        assertThat(e.getString("code")).isEqualTo("content_filter");
        assertThat(e.getString("param")).isEqualTo("prompt");
        assertThat(e.getInteger("status")).isEqualTo(400);
        assertThat(e.getJsonObject("innererror").getString("code")).isEqualTo("ResponsibleAIPolicyViolation");
        assertThat(e.getJsonObject("innererror").getJsonObject("content_filter_result").getJsonObject("hate")
                .getBoolean("filtered")).isTrue();
        assertThat(sim.stats("r1").deployment("dep").admittedTokens()).isZero();
    }

    @Test
    void outputFilter_matchingReply_200WithFinishReasonContentFilterAndEmptyContent() {
        HttpResponse<Buffer> resp = post("dep", chat(null, "please say BLOCKME", 20));
        assertThat(resp.statusCode()).isEqualTo(200);
        JsonObject choice = resp.bodyAsJsonObject().getJsonArray("choices").getJsonObject(0);
        assertThat(choice.getString("finish_reason")).isEqualTo("content_filter");
        assertThat(choice.getJsonObject("message").getString("content")).isEmpty();
        assertThat(choice.getJsonObject("content_filter_results").getJsonObject("hate").getBoolean("filtered"))
                .isTrue();
    }

    @Test
    void rateLimit_tokenWindowFull_429LegacyWithRetryAfterUntilOldestExpires() {
        JsonObject req = chat(null, "hi", 498);            // cost = ceil(2/4) + 1 + 498 = 500
        assertThat(post("dep", req).statusCode()).isEqualTo(200);
        clock.advance(Duration.ofSeconds(10));
        assertThat(post("dep", req).statusCode()).isEqualTo(200);
        clock.advance(Duration.ofMillis(5_500));

        HttpResponse<Buffer> limited = post("dep", req);
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.getHeader("retry-after")).isEqualTo("45");     // 44.5 s rounded up
        assertThat(limited.getHeader("retry-after-ms")).isEqualTo("44500");
        assertThat(limited.getHeader("x-ratelimit-remaining-tokens")).isEqualTo("0");
        assertThat(limited.getHeader("x-ratelimit-remaining-requests")).isEqualTo("9");   // t = 0 left the 10 s window
        assertThat(limited.getHeader("x-ms-region")).isEqualTo("Region One");
        assertThat(error(limited).getString("code")).isEqualTo("429");
        assertThat(error(limited).getString("message")).isEqualTo("Requests to the ChatCompletions_Create Operation "
                + "under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 "
                + "pricing tier. Please retry after 45 seconds. Please go here: https://aka.ms/oai/quotaincrease if "
                + "you would like to further increase the default rate limit.");

        clock.advance(Duration.ofMillis(44_499));
        assertThat(post("dep", req).statusCode()).isEqualTo(429);
        clock.advance(Duration.ofMillis(1));
        assertThat(post("dep", req).statusCode()).isEqualTo(200);

        DeploymentStats s = sim.stats("r1").deployment("dep");
        assertThat(s.rateLimitedTokens()).isEqualTo(2);
        assertThat(s.accepted()).isEqualTo(3);
        assertThat(s.maxTokensIn60s()).isEqualTo(1000);
        assertThat(s.requests()).isEqualTo(5);
    }

    @Test
    void rateLimit_requestWindowFull_429CallRateLimit() {
        for (int i = 0; i < 10; i++) {                      // rpm 60 -> 10 per 10 s
            assertThat(post("dep", chat(null, "x", 1)).statusCode()).isEqualTo(200);
        }
        clock.advance(Duration.ofSeconds(3));
        HttpResponse<Buffer> limited = post("dep", chat(null, "x", 1));
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.getHeader("retry-after")).isEqualTo("7");
        assertThat(limited.getHeader("x-ratelimit-remaining-requests")).isEqualTo("0");
        assertThat(error(limited).getString("message")).contains("exceeded call rate limit")
                .contains("Please retry after 7 seconds.");
        DeploymentStats s = sim.stats("r1").deployment("dep");
        assertThat(s.rateLimitedRequests()).isEqualTo(1);
        assertThat(s.maxRequestsIn10s()).isEqualTo(10);
    }

    @Test
    void rateLimit_shortBodyNoRetryAfterProfile_onlyResetTokensHeader() {
        assertThat(post("short", chat(null, "hi", 98)).statusCode()).isEqualTo(200);   // cost 100 = TPM
        HttpResponse<Buffer> limited = post("short", chat(null, "hi", 1));
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.bodyAsJsonObject()).isEqualTo(new JsonObject().put("error", new JsonObject()
                .put("code", "429").put("message", "Rate limit is exceeded. Try again in 60 seconds.")));
        assertThat(limited.getHeader("retry-after")).isNull();
        assertThat(limited.getHeader("retry-after-ms")).isNull();
        assertThat(limited.getHeader("x-rate-limit-reset-tokens")).isEqualTo("60");
        assertThat(limited.getHeader("x-ratelimit-remaining-tokens")).isEqualTo("0");
    }

    @Test
    void rateLimit_rateLimitReachedBodyNoneProfile_noRetryHintAtAll() {
        assertThat(post("newer", chat(null, "hi", 98)).statusCode()).isEqualTo(200);
        HttpResponse<Buffer> limited = post("newer", chat(null, "hi", 1));
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(error(limited).getString("code")).isEqualTo("RateLimitReached");
        assertThat(error(limited).getString("message")).isEqualTo("Your requests to newer for gpt-4.1 in Region One "
                + "have exceeded the token rate limit for your current OpenAI S0 pricing tier. This request was for "
                + "ChatCompletions_Create under Azure OpenAI API version 2024-10-21. Please retry after 60 seconds. "
                + "To increase your default rate limit, visit: https://aka.ms/oai/quotaincrease.");
        assertThat(limited.headers().names()).doesNotContain("retry-after", "retry-after-ms",
                "x-rate-limit-reset-tokens");
        assertThat(limited.getHeader("x-ms-region")).isEqualTo("Region One");
    }

    @Test
    void rateLimit_requestCostingMoreThanTpm_429RetryAfterSixtySeconds() {
        HttpResponse<Buffer> limited = post("dep", chat(null, "hi", 999));          // cost 1001 > 1000
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.getHeader("retry-after")).isEqualTo("60");
        assertThat(limited.getHeader("x-ratelimit-remaining-tokens")).isEqualTo("1000");
    }

    @Test
    void rateLimit_noMaxTokens_reservesDefaultMaxTokens() {
        post("shed", chat(null, "abcd", null));      // shedding deployment: not charged, so use dep
        HttpResponse<Buffer> resp = post("dep", chat(null, "abcd", null));
        assertThat(resp.statusCode()).isEqualTo(200);
        // default-max-tokens 640 + ceil(4/4) + 1 = 642
        assertThat(resp.getHeader("x-ratelimit-remaining-tokens")).isEqualTo(String.valueOf(1000 - 642));
    }

    @Test
    void shedding_rateOne_429HighDemandNotCharged() {
        HttpResponse<Buffer> resp = post("shed", chat(null, "x", 5));
        assertThat(resp.statusCode()).isEqualTo(429);
        assertThat(resp.getHeader("retry-after")).isEqualTo("20");
        assertThat(error(resp).getString("message"))
                .startsWith("The system is currently experiencing high demand and cannot process your request.")
                .contains("Please retry after 20 seconds.");
        DeploymentStats s = sim.stats("r1").deployment("shed");
        assertThat(s.rateLimitedShedding()).isEqualTo(1);
        assertThat(s.rateLimitedTokens()).isZero();
        assertThat(s.admittedTokens()).isZero();
    }

    @Test
    void faults_configuredWindow_500sUntilWindowEndsThenRecovers() {
        HttpResponse<Buffer> first = http.postClassic(sim, "r2", "dep", chat(null, "x", 5));
        clock.advance(Duration.ofMillis(9_999));
        HttpResponse<Buffer> stillFailing = http.postClassic(sim, "r2", "dep", chat(null, "x", 5));
        clock.advance(Duration.ofMillis(1));
        HttpResponse<Buffer> recovered = http.postClassic(sim, "r2", "dep", chat(null, "x", 5));

        for (HttpResponse<Buffer> r : List.of(first, stillFailing)) {
            assertThat(r.statusCode()).isEqualTo(500);
            assertThat(error(r).getString("type")).isEqualTo("server_error");
            assertThat(error(r).getString("message")).startsWith("The server had an error while processing your "
                    + "request. Sorry about that!");
        }
        assertThat(recovered.statusCode()).isEqualTo(200);
        DeploymentStats s = sim.stats("r2").deployment("dep");
        assertThat(s.errors(500)).isEqualTo(2);
        assertThat(s.accepted()).isEqualTo(3);                      // faults come after admission: charged
        assertThat(s.admittedTokens()).isEqualTo(3 * (1 + 1 + 5));
    }

    @Test
    void faults_setAtRuntime_applyUntilReplaced() {
        sim.setFaults("r1", FaultSpec.none().withP503(1.0));
        HttpResponse<Buffer> overloaded = post("dep", chat(null, "x", 5));
        sim.setFaults("r1", FaultSpec.none().withP408(1.0));
        HttpResponse<Buffer> timeout = post("dep", chat(null, "x", 5));
        sim.setFaults("r1", FaultSpec.none());
        HttpResponse<Buffer> ok = post("dep", chat(null, "x", 5));

        assertThat(overloaded.statusCode()).isEqualTo(503);
        assertThat(error(overloaded).getString("type")).isEqualTo("server_error");
        assertThat(timeout.statusCode()).isEqualTo(408);
        assertThat(timeout.bodyAsJsonObject()).isEqualTo(new JsonObject().put("error",
                new JsonObject().put("code", "Timeout").put("message", "The operation was timeout.")));
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(sim.stats("r1").deployment("dep").errorsByStatus()).containsEntry(503, 1L).containsEntry(408, 1L);
    }

    @Test
    void faults_setOverridesConfiguredWindow_noneRunsFaultFree() {
        sim.setFaults("r2", FaultSpec.none());
        assertThat(http.postClassic(sim, "r2", "dep", chat(null, "x", 5)).statusCode()).isEqualTo(200);
    }

    @Test
    void faults_hang_noAnswerUntilClientTimesOutThenResourcesFreed() {
        sim.setFaults("r1", FaultSpec.none().withPHang(1.0));
        long started = System.nanoTime();
        Throwable failure = TestHttp.failure(http.classic(sim, "r1", "dep").timeout(300)
                .sendJsonObject(chat(null, "x", 5)));
        long waitedMs = (System.nanoTime() - started) / 1_000_000;

        assertThat(failure).hasMessageContaining("timeout");
        assertThat(waitedMs).isGreaterThanOrEqualTo(300);
        DeploymentStats s = sim.stats("r1").deployment("dep");
        assertThat(s.hangs()).isEqualTo(1);
        assertThat(s.accepted()).isEqualTo(1);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                .until(() -> sim.stats("r1").hangingConnections() == 0);
    }

    @Test
    void faults_reset_connectionClosedWithoutResponse() {
        sim.setFaults("r1", FaultSpec.none().withPReset(1.0));
        Throwable failure = TestHttp.failure(http.classic(sim, "r1", "dep").sendJsonObject(chat(null, "x", 5)));
        assertThat(failure).isNotNull();
        assertThat(sim.stats("r1").deployment("dep").resets()).isEqualTo(1);
        sim.setFaults("r1", FaultSpec.none());
        assertThat(post("dep", chat(null, "x", 5)).statusCode()).isEqualTo(200);
    }

    @Test
    void statsEndpoint_afterTraffic_snakeCaseJsonMatchingSnapshot() {
        post("dep", chat(null, "hi", 298));                           // cost 300 at t = 0
        clock.advance(Duration.ofSeconds(30));
        post("dep", chat(null, "hi", 298));                           // t = 30: window holds 600
        clock.advance(Duration.ofSeconds(31));
        post("dep", chat(null, "hi", 298));                           // t = 61: t = 0 expired, 600 again
        sim.setFaults("r1", FaultSpec.none().withP500(1.0));
        post("dep", chat(null, "hi", 98));                            // t = 61: 700
        clock.advance(Duration.ofMillis(1_500));

        HttpResponse<Buffer> resp = http.getStats(sim, "r1");
        assertThat(resp.statusCode()).isEqualTo(200);
        JsonObject json = resp.bodyAsJsonObject();
        assertThat(json.getString("region")).isEqualTo("r1");
        JsonObject dep = json.getJsonObject("deployments").getJsonObject("dep");
        assertThat(dep.fieldNames()).contains("requests", "accepted", "rate_limited", "errors", "admitted_tokens",
                "max_tokens_in_60s", "max_requests_in_10s", "tpm", "rpm", "admitted_tokens_per_second");
        assertThat(dep.getLong("requests")).isEqualTo(4);
        assertThat(dep.getLong("accepted")).isEqualTo(4);
        assertThat(dep.getJsonObject("rate_limited")).isEqualTo(new JsonObject().put("tokens", 0).put("requests", 0)
                .put("shedding", 0).put("total", 0));
        assertThat(dep.getJsonObject("errors")).isEqualTo(new JsonObject().put("500", 1));
        assertThat(dep.getLong("admitted_tokens")).isEqualTo(1000);
        assertThat(dep.getLong("max_tokens_in_60s")).isEqualTo(700);
        assertThat(dep.getLong("max_requests_in_10s")).isEqualTo(2);
        assertThat(dep.getLong("tpm")).isEqualTo(1000);
        JsonArray series = dep.getJsonArray("admitted_tokens_per_second");
        assertThat(series.size()).isEqualTo(63);                     // seconds 0..62
        assertThat(series.getLong(0)).isEqualTo(300);
        assertThat(series.getLong(30)).isEqualTo(300);
        assertThat(series.getLong(61)).isEqualTo(400);
        assertThat(series.getLong(62)).isZero();

        RegionStats parsed = RegionStats.fromJson(resp.bodyAsString());
        assertThat(parsed.deployments()).isEqualTo(sim.stats("r1").deployments());
    }

    @Test
    void setQuota_runtime_appliesToTheNextRequest() {
        sim.setQuota("r1", "dep", 100, 60);
        HttpResponse<Buffer> limited = post("dep", chat(null, "hi", 150));
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.getHeader("x-ratelimit-limit-tokens")).isEqualTo("100");
        sim.setQuota("r1", "dep", 10_000, 60);
        assertThat(post("dep", chat(null, "hi", 150)).statusCode()).isEqualTo(200);
        assertThat(sim.stats("r1").deployment("dep").tpm()).isEqualTo(10_000);
    }

    @Test
    void adminEndpoints_quotaAndFaults_changeRegionAtRuntime() {
        String base = sim.endpoint("r2");
        HttpResponse<Buffer> quota = await(http.client.postAbs(base + "/sim/admin/quota").putHeader("api-key", KEY)
                .sendJsonObject(new JsonObject().put("tpm", 5000).put("rpm", 30)));
        assertThat(quota.statusCode()).isEqualTo(200);
        assertThat(sim.stats("r2").deployment("dep").tpm()).isEqualTo(5000);
        assertThat(sim.stats("r2").deployment("dep").rpm()).isEqualTo(30);

        HttpResponse<Buffer> clear = await(http.client.postAbs(base + "/sim/admin/faults").putHeader("api-key", KEY)
                .sendJsonObject(new JsonObject()));
        assertThat(clear.statusCode()).isEqualTo(200);
        assertThat(http.postClassic(sim, "r2", "dep", chat(null, "x", 5)).statusCode()).isEqualTo(200);

        HttpResponse<Buffer> bad = await(http.client.postAbs(base + "/sim/admin/faults").putHeader("api-key", KEY)
                .sendJsonObject(new JsonObject().put("p-501", 1.0)));
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(error(bad).getString("message")).startsWith("p-501 is not a known key");

        HttpResponse<Buffer> badQuota = await(http.client.postAbs(base + "/sim/admin/quota").putHeader("api-key", KEY)
                .sendJsonObject(new JsonObject().put("deployment", "nope").put("tpm", 5)));
        assertThat(badQuota.statusCode()).isEqualTo(400);
    }
}
