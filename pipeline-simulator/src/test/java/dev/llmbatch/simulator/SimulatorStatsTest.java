package dev.llmbatch.simulator;

import static dev.llmbatch.simulator.TestHttp.chat;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Charged versus billed tokens, 429 totals and window peaks against the limits, in the snapshot and the JSON. */
class SimulatorStatsTest extends FakeClockHttpTest {
    private static final String CONFIG = """
            api-keys: [k1]
            regions:
              - name: r1
                latency: {rtt-ms: 0, ttft-ms: 0, prefill-ms-per-1k: 0, tps: 1.0e12, ttft-sigma: 0, tps-sigma: 0}
                deployments:
                  - {name: dep, tpm: 1000, rpm: 60}
                  - {name: loose, tpm: 100, rpm: 600, reject-oversize: false}
              - name: stalling
                latency: {rtt-ms: 0, ttft-ms: 0, prefill-ms-per-1k: 0, tps: 1.0e12, ttft-sigma: 0, tps-sigma: 0,
                          stall-probability: 1.0, stall-ms: 40}
                deployments:
                  - {name: dep}
            """;

    @Override
    String config() {
        return CONFIG;
    }

    private static long usageTotal(HttpResponse<Buffer> resp) {
        return resp.bodyAsJsonObject().getJsonObject("usage").getLong("total_tokens");
    }

    @Test
    void stats_successesFaultsAnd429s_chargedCountsAdmissionsBilledCountsOnly200Usage() {
        HttpResponse<Buffer> a = post("dep", chat("Translate to French.", "Bonjour tout le monde", 100));
        HttpResponse<Buffer> b = post("dep", chat(null, "hello", 50).put("n", 2));
        sim.setFaults("r1", FaultSpec.none().withP500(1.0));
        assertThat(post("dep", chat(null, "x", 5)).statusCode()).isEqualTo(500);
        sim.setFaults("r1", FaultSpec.none());
        assertThat(post("dep", chat(null, "x", 900)).statusCode()).isEqualTo(429);

        DeploymentStats s = sim.stats("r1").deployment("dep");
        long costA = ("Translate to French.".length() + "Bonjour tout le monde".length() + 3) / 4 + 1 + 100;
        long costB = (5 + 3) / 4 + 1 + 2 * 50;
        long costFault = 1 + 1 + 5;
        assertThat(s.requests()).isEqualTo(4);
        assertThat(s.accepted()).isEqualTo(3);
        assertThat(s.succeeded()).isEqualTo(2);
        assertThat(s.admittedTokens()).isEqualTo(costA + costB + costFault);
        assertThat(s.billedTokens()).isEqualTo(usageTotal(a) + usageTotal(b));
        assertThat(s.billedPromptTokens()).isEqualTo(a.bodyAsJsonObject().getJsonObject("usage")
                .getLong("prompt_tokens") + b.bodyAsJsonObject().getJsonObject("usage").getLong("prompt_tokens"));
        assertThat(b.bodyAsJsonObject().getJsonObject("usage").getLong("completion_tokens"))
                .as("n = 2 bills both choices").isEqualTo(2L * FakeModel.complete("", "hello", 50).completionTokens());
        assertThat(s.rateLimited()).isEqualTo(1);
        assertThat(s.billedTokens()).isLessThan(s.admittedTokens());
    }

    @Test
    void stats_burstToTheRequestCap_peakEqualsLimitAndNoWindowOver() {
        for (int i = 0; i < 10; i++) {
            assertThat(post("dep", chat(null, "x", 1)).statusCode()).isEqualTo(200);
        }
        assertThat(post("dep", chat(null, "x", 1)).statusCode()).isEqualTo(429);
        clock.advance(Duration.ofSeconds(10));
        assertThat(post("dep", chat(null, "x", 1)).statusCode()).isEqualTo(200);

        DeploymentStats s = sim.stats("r1").deployment("dep");
        assertThat(s.requestsPer10sLimit()).isEqualTo(10);
        assertThat(s.maxRequestsIn10s()).isEqualTo(s.requestsPer10sLimit());
        assertThat(s.maxTokensIn60s()).isLessThanOrEqualTo(s.tpm());
        assertThat(s.rateLimitedRequests()).isEqualTo(1);
        assertThat(s.noWindowOver()).isTrue();
    }

    @Test
    void stats_oversizeAdmittedWithoutRejectOversize_tokenWindowCountedOver() {
        assertThat(post("loose", chat(null, "x", 150)).statusCode()).isEqualTo(200);   // cost 152 > TPM 100

        DeploymentStats s = sim.stats("r1").deployment("loose");
        assertThat(s.maxTokensIn60s()).isEqualTo(152);
        assertThat(s.tokenWindowsOver()).isEqualTo(1);
        assertThat(s.requestWindowsOver()).isZero();
        assertThat(s.noWindowOver()).isFalse();
    }

    @Test
    void statsEndpoint_newKeys_presentAndReadBack() {
        HttpResponse<Buffer> ok = post("dep", chat(null, "hello", 20));
        post("dep", chat(null, "x", 999));                                            // 429
        post("loose", chat(null, "x", 150));

        JsonObject json = http.getStats(sim, "r1").bodyAsJsonObject();
        JsonObject dep = json.getJsonObject("deployments").getJsonObject("dep");
        assertThat(dep.getLong("succeeded")).isEqualTo(1);
        assertThat(dep.getLong("billed_tokens")).isEqualTo(usageTotal(ok));
        assertThat(dep.getLong("billed_prompt_tokens") + dep.getLong("billed_completion_tokens"))
                .isEqualTo(usageTotal(ok));
        assertThat(dep.getLong("requests_per_10s_limit")).isEqualTo(10);
        assertThat(dep.getJsonObject("rate_limited").getLong("total")).isEqualTo(1);
        assertThat(dep.getLong("token_windows_over")).isZero();
        assertThat(dep.getLong("request_windows_over")).isZero();
        assertThat(json.getJsonObject("deployments").getJsonObject("loose").getLong("token_windows_over"))
                .isEqualTo(1);

        RegionStats parsed = RegionStats.fromJson(json.encode());
        assertThat(parsed.deployments()).isEqualTo(sim.stats("r1").deployments());
    }

    @Test
    void stats_stallingRegion_answerHeldForStallMsAndCounted() {
        long started = System.nanoTime();
        HttpResponse<Buffer> resp = http.postClassic(sim, "stalling", "dep", chat(null, "x", 5));
        long waitedMs = (System.nanoTime() - started) / 1_000_000;

        assertThat(resp.statusCode()).isEqualTo(200);
        assertThat(waitedMs).as("stall-ms 40 at time-scale 1").isGreaterThanOrEqualTo(40);
        assertThat(sim.stats("stalling").deployment("dep").stalls()).isEqualTo(1);
        assertThat(sim.stats("r1").deployment("dep").stalls()).isZero();
        assertThat(http.getStats(sim, "stalling").bodyAsJsonObject().getJsonObject("deployments")
                .getJsonObject("dep").getLong("stalls")).isEqualTo(1);
    }
}
