package dev.llmbatch.simulator;

import static dev.llmbatch.simulator.TestHttp.await;
import static dev.llmbatch.simulator.TestHttp.chat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The simulator on its real, scaled clock: windows, fault windows and latency pass in (scaled) wall time. */
class SimulatorScaledClockTest extends HttpClientTest {
    private static final String INSTANT = "{rtt-ms: 0, ttft-ms: 0, prefill-ms-per-1k: 0, tps: 1.0e12, ttft-sigma: 0, "
            + "tps-sigma: 0}";
    private static Simulator start(String yaml) {
        return Simulator.start(http.vertx, SimulatorConfig.parse(yaml));
    }

    @Test
    void rateLimit_timeScale600_admittedAgainOnceRetryAfterHasPassed() {
        try (Simulator sim = start("""
                time-scale: 600
                api-keys: [k1]
                regions:
                  - name: a
                    latency: %s
                    deployments: [{name: d, tpm: 1000, rpm: 6000}]
                """.formatted(INSTANT))) {
            assertThat(http.postClassic(sim, "a", "d", chat(null, "hi", 498)).statusCode()).isEqualTo(200);
            assertThat(http.postClassic(sim, "a", "d", chat(null, "hi", 498)).statusCode()).isEqualTo(200);
            HttpResponse<Buffer> limited = http.postClassic(sim, "a", "d", chat(null, "hi", 498));
            assertThat(limited.statusCode()).isEqualTo(429);
            assertThat(Long.parseLong(limited.getHeader("retry-after"))).isBetween(1L, 60L);

            // 60 simulated seconds are 100 ms of wall time
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                    .until(() -> http.postClassic(sim, "a", "d", chat(null, "hi", 498)).statusCode() == 200);
            DeploymentStats s = sim.stats("a").deployment("d");
            assertThat(s.maxTokensIn60s()).isLessThanOrEqualTo(1000);
            assertThat(s.accepted()).isGreaterThanOrEqualTo(3);
        }
    }

    @Test
    void faultWindow_scaledClock_500sThenRecovery() {
        try (Simulator sim = start("""
                time-scale: 100
                api-keys: [k1]
                regions:
                  - name: a
                    latency: %s
                    faults: [{from-s: 0, to-s: 20, p-500: 1.0}]
                    deployments: [{name: d}]
                """.formatted(INSTANT))) {
            assertThat(http.postClassic(sim, "a", "d", chat(null, "x", 5)).statusCode()).isEqualTo(500);
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                    .until(() -> http.postClassic(sim, "a", "d", chat(null, "x", 5)).statusCode() == 200);
            assertThat(sim.stats("a").deployment("d").errors(500)).isPositive();
            assertThat(sim.stats("a").simulatedSeconds()).isGreaterThanOrEqualTo(20.0);
        }
    }

    @Test
    void latency_rttInSimulatedTime_waitedAsRttOverTimeScale() {
        try (Simulator sim = start("""
                time-scale: 10
                api-keys: [k1]
                regions:
                  - name: a
                    latency: {rtt-ms: 3000, ttft-ms: 0, prefill-ms-per-1k: 0, tps: 1.0e12, ttft-sigma: 0, tps-sigma: 0}
                    deployments: [{name: d}]
                """)) {
            long started = System.nanoTime();
            assertThat(http.postClassic(sim, "a", "d", chat(null, "x", 5)).statusCode()).isEqualTo(200);
            long elapsedMs = (System.nanoTime() - started) / 1_000_000;
            assertThat(elapsedMs).isBetween(300L, 2900L);
        }
    }

    @Test
    void close_hangingRequestOpen_connectionClosed() {
        Simulator sim = start("""
                api-keys: [k1]
                regions:
                  - name: a
                    latency: %s
                    faults: [{p-hang: 1.0}]
                    deployments: [{name: d}]
                """.formatted(INSTANT));
        Future<HttpResponse<Buffer>> pending = http.classic(sim, "a", "d").sendJsonObject(chat(null, "x", 5));
        await().atMost(Duration.ofSeconds(5)).until(() -> sim.stats("a").hangingConnections() == 1);
        assertThat(pending.isComplete()).isFalse();
        sim.close();
        assertThat(TestHttp.failure(pending)).isNotNull();
    }

    @Test
    void start_ownVertxLocalDefault_threeRegionsOnDistinctPorts() {
        try (Simulator sim = Simulator.start(SimulatorConfig.localDefault().withLatency(LatencyConfig.instant()))) {
            assertThat(sim.regions()).containsExactly("swedencentral", "eastus", "westeurope");
            assertThat(sim.regions().stream().map(sim::port).distinct()).hasSize(3);
            for (String region : sim.regions()) {
                assertThat(sim.endpoint(region)).isEqualTo("http://127.0.0.1:" + sim.port(region));
                HttpResponse<Buffer> resp = await(http.client.postAbs(sim.endpoint(region)
                                + "/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21")
                        .putHeader("api-key", "sim-key").sendJsonObject(chat("translate", "ab", 5)));
                assertThat(resp.statusCode()).isEqualTo(200);
                assertThat(resp.bodyAsJsonObject().getString("model")).isEqualTo("gpt-4o-mini-2024-07-18");
            }
            assertThat(sim.stats("westeurope").deployment("gpt-4o-mini").tpm()).isEqualTo(60_000);
            assertThat(sim.stats("eastus").displayName()).isEqualTo("East US");
            assertThat(sim.simulatedClock().nanos()).isPositive();
        }
    }

    @Test
    void stats_calledFromRegionEventLoop_answersWithoutDeadlock() {
        try (Simulator sim = start("""
                api-keys: [k1]
                regions:
                  - name: a
                    latency: %s
                    deployments: [{name: d}]
                """.formatted(INSTANT))) {
            Future<Long> requests = http.vertx.executeBlocking(() -> sim.stats("a").deployment("d").requests());
            assertThat(await(requests)).isZero();
            // from an event loop (possibly the region's own): must not block forever
            io.vertx.core.Promise<Long> onLoop = io.vertx.core.Promise.promise();
            http.vertx.runOnContext(v -> onLoop.complete(sim.stats("a").deployment("d").requests()));
            assertThat(await(onLoop.future())).isZero();
        }
    }
}
