package dev.llmbatch.simulator;

import static dev.llmbatch.simulator.TestHttp.KEY;
import static dev.llmbatch.simulator.TestHttp.await;
import static dev.llmbatch.simulator.TestHttp.chat;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Keys per region, switched keys, bearer tokens from {@code /sim/token}, and deployments that go missing. */
class SimulatorAuthTest extends FakeClockHttpTest {
    private static final String CONFIG = """
            api-keys: [k1]
            tokens: {lifetime-s: 600, identity-header: hdr-1}
            regions:
              - name: r1
                latency: {rtt-ms: 0, ttft-ms: 0, prefill-ms-per-1k: 0, tps: 1.0e12, ttft-sigma: 0, tps-sigma: 0}
                deployments: [{name: dep, tpm: 100000}]
              - name: locked
                api-keys: [nobody-has-this]
                latency: {rtt-ms: 0, ttft-ms: 0, prefill-ms-per-1k: 0, tps: 1.0e12, ttft-sigma: 0, tps-sigma: 0}
                deployments: [{name: dep, tpm: 100000}]
            """;

    @Override
    String config() {
        return CONFIG;
    }

    private HttpResponse<Buffer> withBearer(String region, String token) {
        return await(http.client.postAbs(sim.endpoint(region) + "/openai/deployments/dep/chat/completions"
                + "?api-version=2024-10-21").putHeader("authorization", "Bearer " + token)
                .sendJsonObject(chat(null, "hello", 5)));
    }

    private HttpResponse<Buffer> token(String identityHeader) {
        return await(http.client.getAbs(sim.endpoint("r1") + "/sim/token?api-version=2019-08-01&resource="
                + "https%3A%2F%2Fcognitiveservices.azure.com").putHeader("X-IDENTITY-HEADER", identityHeader).send());
    }

    @Test
    void token_managedIdentityProtocol_issuesTokenAcceptedByEveryRegion() {
        HttpResponse<Buffer> t = token("hdr-1");

        assertThat(t.statusCode()).isEqualTo(200);
        JsonObject body = t.bodyAsJsonObject();
        assertThat(body.getString("token_type")).isEqualTo("Bearer");
        assertThat(body.getString("resource")).isEqualTo("https://cognitiveservices.azure.com");
        long expiresOn = Long.parseLong(body.getString("expires_on"));
        assertThat(expiresOn - Instant.now().getEpochSecond()).isBetween(590L, 601L);
        String token = body.getString("access_token");
        assertThat(withBearer("r1", token).statusCode()).isEqualTo(200);
        assertThat(withBearer("locked", token).statusCode()).as("tokens are not region keys").isEqualTo(200);
        assertThat(sim.tokenStats().issued()).isEqualTo(1);
    }

    @Test
    void token_postForm_answersExpiresIn() {
        HttpResponse<Buffer> t = await(http.client.postAbs(sim.tokenEndpoint()).putHeader("X-IDENTITY-HEADER", "hdr-1")
                .send());

        assertThat(t.statusCode()).isEqualTo(200);
        assertThat(t.bodyAsJsonObject().getLong("expires_in")).isBetween(590L, 600L);
    }

    @Test
    void token_wrongIdentityHeader_401() {
        assertThat(token("hdr-2").statusCode()).isEqualTo(401);
        assertThat(sim.tokenStats().issued()).isZero();
    }

    @Test
    void chat_unknownBearer_401WithAzureTokenBody() {
        HttpResponse<Buffer> r = withBearer("r1", "sim-token-made-up");

        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("message"))
                .startsWith("Unauthorized. Access token is missing, invalid");
        assertThat(sim.tokenStats().unknownRejected()).isEqualTo(1);
    }

    @Test
    void regionApiKeys_globalKeyRefused_401() {
        HttpResponse<Buffer> r = http.postClassic(sim, "locked", "dep", chat(null, "hello", 5));

        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("401");
        assertThat(sim.stats("locked").unauthorized()).isEqualTo(1);
        assertThat(http.getStats(sim, "locked").statusCode()).as("admin endpoints keep the global keys")
                .isEqualTo(200);
    }

    @Test
    void setApiKeys_switchesTheAcceptedKeyAtOnce() {
        assertThat(post("dep", chat(null, "hello", 5)).statusCode()).isEqualTo(200);

        HttpResponse<Buffer> switched = await(http.client.postAbs(sim.endpoint("r1") + "/sim/admin/auth")
                .putHeader("api-key", KEY).sendJsonObject(new JsonObject().put("api-keys", List.of("k-new"))));
        assertThat(switched.statusCode()).isEqualTo(200);

        assertThat(post("dep", chat(null, "hello", 5)).statusCode()).isEqualTo(401);
        HttpResponse<Buffer> withNew = await(http.client.postAbs(sim.endpoint("r1")
                + "/openai/deployments/dep/chat/completions?api-version=2024-10-21").putHeader("api-key", "k-new")
                .sendJsonObject(chat(null, "hello", 5)));
        assertThat(withNew.statusCode()).isEqualTo(200);
    }

    @Test
    void deploymentMissing_404DeploymentNotFoundUntilRestored() {
        HttpResponse<Buffer> gone = await(http.client.postAbs(sim.endpoint("r1") + "/sim/admin/deployment")
                .putHeader("api-key", KEY).sendJsonObject(new JsonObject().put("missing", true)));
        assertThat(gone.statusCode()).isEqualTo(200);

        HttpResponse<Buffer> r = post("dep", chat(null, "hello", 5));
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("DeploymentNotFound");

        sim.setMissing("r1", "dep", false);
        assertThat(post("dep", chat(null, "hello", 5)).statusCode()).isEqualTo(200);
    }

    @Test
    void tokenIssuer_tokenExpires_atItsLifetime() {
        MutableClock clock = new MutableClock();
        TokenIssuer issuer = new TokenIssuer(new TokenSettings(20, "h"), clock);
        TokenIssuer.Issued t = issuer.issue();

        clock.now = clock.now.plus(Duration.ofMillis(19_999));
        assertThat(issuer.valid(t.token())).isTrue();
        clock.now = clock.now.plus(Duration.ofMillis(1));
        assertThat(issuer.valid(t.token())).isFalse();
        assertThat(issuer.stats()).isEqualTo(new TokenStats(1, 1, 0));
    }

    private static final class MutableClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
