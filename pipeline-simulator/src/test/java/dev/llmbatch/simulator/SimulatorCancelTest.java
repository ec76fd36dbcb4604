package dev.llmbatch.simulator;

import static dev.llmbatch.simulator.TestHttp.chat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A call the client gives up on (as the losing copy of a hedged call is): the simulator notices the closed
 * connection, counts it as cancelled and bills the answer it would have sent; and the runtime latency switch that
 * makes a region stall.
 */
class SimulatorCancelTest extends FakeClockHttpTest {
    private static final String CONFIG = """
            api-keys: [k1]
            regions:
              - name: r1
                latency: {rtt-ms: 0, ttft-ms: 0, prefill-ms-per-1k: 0, tps: 1.0e12, ttft-sigma: 0, tps-sigma: 0}
                deployments: [{name: dep}]
              - name: stalling
                latency: {rtt-ms: 0, ttft-ms: 0, prefill-ms-per-1k: 0, tps: 1.0e12, ttft-sigma: 0, tps-sigma: 0,
                          stall-probability: 1.0, stall-ms: 600000}
                deployments: [{name: dep}]
            """;
    private static final JsonObject BODY = chat("Translate to French.", "The battery lasts two days", 50);

    @Override
    String config() {
        return CONFIG;
    }

    /** Sends BODY to a region, waits until the region has admitted it, then closes the connection. */
    private void sendAndCancel(String region) {
        long acceptedBefore = sim.stats(region).deployment("dep").accepted();
        HttpClient client = http.vertx.createHttpClient();
        try {
            URI uri = URI.create(sim.endpoint(region));
            HttpClientRequest req = TestHttp.await(client.request(new RequestOptions().setMethod(HttpMethod.POST)
                    .setHost(uri.getHost()).setPort(uri.getPort())
                    .setURI("/openai/deployments/dep/chat/completions?api-version=2024-10-21")
                    .putHeader("api-key", TestHttp.KEY).putHeader("content-type", "application/json")));
            req.end(Buffer.buffer(BODY.encode()));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> sim.stats(region).deployment("dep").accepted() > acceptedBefore);
            req.reset();
        } finally {
            TestHttp.await(client.close());
        }
    }

    @Test
    void cancelledCall_clientClosesWhileTheRegionStalls_countedCancelledAndBilled() {
        HttpResponse<Buffer> answered = post("dep", BODY);
        JsonObject usage = answered.bodyAsJsonObject().getJsonObject("usage");

        sendAndCancel("stalling");

        await().atMost(Duration.ofSeconds(10)).until(() -> sim.stats("stalling").deployment("dep").cancelled() == 1);
        DeploymentStats d = sim.stats("stalling").deployment("dep");
        assertThat(d.stalls()).isEqualTo(1);
        assertThat(d.succeeded()).as("no answer was sent").isZero();
        assertThat(d.billedTokens()).isZero();
        assertThat(d.cancelledBilledPromptTokens()).isEqualTo(usage.getLong("prompt_tokens"));
        assertThat(d.cancelledBilledCompletionTokens()).isEqualTo(usage.getLong("completion_tokens"));
        assertThat(d.allBilledTokens()).isEqualTo(usage.getLong("total_tokens"));
        assertThat(d.admittedTokens()).as("the quota charge stays").isEqualTo(
                sim.stats("r1").deployment("dep").admittedTokens());
        JsonObject json = http.getStats(sim, "stalling").bodyAsJsonObject().getJsonObject("deployments")
                .getJsonObject("dep");
        assertThat(json.getLong("cancelled")).isEqualTo(1);
        assertThat(json.getLong("cancelled_billed_tokens")).isEqualTo(usage.getLong("total_tokens"));
        assertThat(RegionStats.fromJson(http.getStats(sim, "stalling").bodyAsString()).deployments())
                .isEqualTo(sim.stats("stalling").deployments());
    }

    @Test
    void answeredCall_connectionClosedAfterwards_notCancelled() {
        post("dep", BODY);
        assertThat(sim.stats("r1").deployment("dep").cancelled()).isZero();
        assertThat(sim.stats("r1").deployment("dep").succeeded()).isEqualTo(1);
    }

    @Test
    void adminLatency_stallSwitchedOnAtRuntime_regionHoldsCallsUntilCancelled() {
        HttpResponse<Buffer> set = TestHttp.await(http.client.postAbs(sim.endpoint("r1") + "/sim/admin/latency")
                .putHeader("api-key", TestHttp.KEY)
                .sendJsonObject(new JsonObject().put("stall-probability", 1.0).put("stall-ms", 600_000)));
        assertThat(set.statusCode()).isEqualTo(200);
        assertThat(sim.latency("r1").stallProbability()).isEqualTo(1.0);
        assertThat(sim.latency("r1").ttftMs()).as("other keys kept").isZero();

        sendAndCancel("r1");

        await().atMost(Duration.ofSeconds(10)).until(() -> sim.stats("r1").deployment("dep").cancelled() == 1);
        assertThat(sim.stats("r1").deployment("dep").stalls()).isEqualTo(1);

        sim.setLatency("r1", sim.latency("r1").withTail(0, 0, 0));
        assertThat(post("dep", BODY).statusCode()).isEqualTo(200);
    }

    @Test
    void adminLatency_badKeyOrValue_400() {
        for (JsonObject body : new JsonObject[] {new JsonObject().put("stall-probabilty", 0.1),
            new JsonObject().put("stall-probability", 2.0), new JsonObject().put("tail-sigma", "x")}) {
            HttpResponse<Buffer> r = TestHttp.await(http.client.postAbs(sim.endpoint("r1") + "/sim/admin/latency")
                    .putHeader("api-key", TestHttp.KEY).sendJsonObject(body));
            assertThat(r.statusCode()).as("%s", body).isEqualTo(400);
        }
        assertThat(sim.latency("r1").stallProbability()).isZero();
    }
}
