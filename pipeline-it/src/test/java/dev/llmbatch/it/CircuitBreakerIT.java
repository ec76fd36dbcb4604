package dev.llmbatch.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmbatch.core.job.Job;
import dev.llmbatch.core.json.Json;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.time.Ticker;
import dev.llmbatch.simulator.DeploymentStats;
import dev.llmbatch.simulator.FaultSpec;
import dev.llmbatch.simulator.Simulator;
import dev.llmbatch.simulator.SimulatorConfig;
import dev.llmbatch.worker.Worker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The scenario of issue 5: a region answers only 500s for 30 (simulated) seconds. Its circuit breaker opens, the
 * traffic moves to the healthy regions, the region gets nothing but one probe per open period while it is open, and
 * after the fault ends a probe succeeds and the breaker closes; the region then takes work again. Every job gets
 * exactly one {@code succeeded} result.
 *
 * <p>Jobs go in paced chunks (the next once the last is answered), so between chunks no call is in flight: what the
 * simulator counts for the faulty region after the breaker opened can be compared exactly with the probes the breaker
 * admitted.
 */
class CircuitBreakerIT {
    private static final double SCALE = 10;
    private static final String BAD = "eastus";
    private static final String DEPLOYMENT = QuotaIT.DEPLOYMENT;
    private static final int CHUNK = 24;
    private static final Duration FAULT = Duration.ofSeconds(30);
    /** Chunks sent while the breaker is open (or half-open), at least: enough traffic to compare on a slow machine. */
    private static final int MIN_CHUNKS_WHILE_OPEN = 12;
    private static final int MINIMUM_CALLS = 10;
    private static final Duration MAX_OPEN = Duration.ofSeconds(60);
    /**
     * The defaults, except a 30 s window (3 s of wall time at this scale) so that chunks paced by a busy machine
     * still put {@link #MINIMUM_CALLS} calls in one window.
     */
    private static final String BREAKER = "breaker: {enabled: true, failure-rate: 0.5, minimum-calls: " + MINIMUM_CALLS
            + ", window-ms: 30000, open-ms: 5000, max-open-ms: " + MAX_OPEN.toMillis() + "}";
    private static final String SIM = """
            time-scale: 10
            seed: 31
            api-keys: [it-key]
            regions:
              - name: swedencentral
                latency: {rtt-ms: 10, ttft-ms: 300, tps: 200}
                deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 450000, rpm: 2700}]
              - name: eastus
                latency: {rtt-ms: 30, ttft-ms: 400, tps: 150}
                deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 450000, rpm: 2700}]
              - name: westeurope
                latency: {rtt-ms: 20, ttft-ms: 500, tps: 100}
                deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 450000, rpm: 2700}]
            """;

    static Cluster cluster;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        cluster = Cluster.shared();
    }

    @Test
    void regionAnswersOnly500sFor30s_breakerOpensTrafficMovesAndItClosesAfter() throws Exception {
        Cluster.Topics t = cluster.topics(3);
        List<Job> jobs = new ArrayList<>();
        List<Job> whileOpen = new ArrayList<>();
        List<Job> afterClose = new ArrayList<>();
        Set<String> statesSeen = new TreeSet<>();
        Set<Double> gaugesSeen = new TreeSet<>();
        try (Simulator sim = Simulator.start(SimulatorConfig.parse(SIM))) {
            Ticker clock = sim.simulatedClock();
            Map<String, Long> calls;
            try (Worker worker = cluster.startWorker(Cluster.workerYaml(sim, t, SCALE, BREAKER), sim)) {
                Probe probe = new Probe(worker, http);
                // healthy warm-up: the region takes its share
                for (int i = 0; i < 3; i++) {
                    jobs.addAll(sendChunk(worker, t, "warm", jobs.size()));
                }
                assertThat(requests(sim, BAD)).as("%s requests before the fault", BAD).isPositive();
                assertThat(probe.gauge()).isZero();

                // the fault: only 500s for at least 30 simulated seconds
                sim.setFaults(BAD, FaultSpec.none().withP500(1.0));
                long faultOn = clock.nanos();
                long badAtFaultOn = requests(sim, BAD);
                long healthyAtFaultOn = healthyRequests(sim);
                long badAtOpen = -1;
                long halfOpensAtOpen = -1;
                while (clock.nanos() - faultOn < FAULT.toNanos() || whileOpen.size() < MIN_CHUNKS_WHILE_OPEN * CHUNK) {
                    assertThat(jobs.size()).as("jobs sent during the fault").isLessThan(200 * CHUNK);
                    boolean open = badAtOpen >= 0;
                    List<Job> chunk = sendChunk(worker, t, "fault", jobs.size());
                    jobs.addAll(chunk);
                    if (open) {
                        whileOpen.addAll(chunk);
                    } else if (probe.transitions("open") > 0) {
                        // no call is in flight between chunks: from here on only probes may reach the region
                        badAtOpen = requests(sim, BAD);
                        halfOpensAtOpen = probe.transitions("half_open");
                    }
                    statesSeen.add(probe.statusState());
                    gaugesSeen.add(probe.gauge());
                }
                sim.setFaults(BAD, FaultSpec.none());
                long faultOff = clock.nanos();
                long badDuringFault = requests(sim, BAD) - badAtFaultOn;
                long healthyDuringFault = healthyRequests(sim) - healthyAtFaultOn;
                long badWhileOpen = requests(sim, BAD) - badAtOpen;
                long probes = probe.transitions("half_open") - halfOpensAtOpen;
                long closedDuringFault = probe.transitions("closed");
                System.out.printf("CircuitBreakerIT: fault %.1f s simulated; %s requests during the fault %d (%d "
                        + "after it opened, %d half-open periods), healthy regions %d; states seen %s, gauges %s%n",
                        (faultOff - faultOn) / 1e9, BAD, badDuringFault, badWhileOpen, probes, healthyDuringFault,
                        statesSeen, gaugesSeen);

                assertThat(badAtOpen).as("the breaker opened during the fault").isNotNegative();
                assertThat(statesSeen).as("/status.json breaker of %s during the fault", BAD).contains("open");
                assertThat(gaugesSeen).as("llm_breaker_state of %s during the fault", BAD).contains(2.0);
                assertThat(closedDuringFault).as("closed transitions while every call failed").isZero();
                assertThat(badWhileOpen).as("%s requests after it opened: one probe per half-open period at most", BAD)
                        .isLessThanOrEqualTo(probes + 1);
                assertThat(badDuringFault).as("%s requests during the fault: enough to open, those in flight "
                        + "then, and probes", BAD).isLessThanOrEqualTo(MINIMUM_CALLS + CHUNK + probes + 1);
                // With a closed breaker the failing region would take about the share of each healthy one
                // (half of the healthy regions' calls), and more with retries; open, it takes far less.
                assertThat(badDuringFault * 4).as("4 x %s requests vs healthy regions' %d during the fault", BAD,
                        healthyDuringFault).isLessThan(healthyDuringFault);

                // recovery: the next probe after the fault succeeds and closes the breaker
                while (probe.gauge() != 0.0) {
                    assertThat(Duration.ofNanos(clock.nanos() - faultOff)).as("time to close after the fault")
                            .isLessThan(MAX_OPEN.plusSeconds(30));
                    jobs.addAll(sendChunk(worker, t, "recover", jobs.size()));
                }
                assertThat(probe.transitions("closed")).as("closed transitions").isEqualTo(1);
                assertThat(probe.statusState()).isEqualTo("closed");
                for (int i = 0; i < 5; i++) {
                    List<Job> chunk = sendChunk(worker, t, "after", jobs.size());
                    jobs.addAll(chunk);
                    afterClose.addAll(chunk);
                }
                assertThat(worker.failure()).isNull();
                calls = worker.metrics().family("llm_calls_total");
            }
            Map<String, List<JobResult>> byId = cluster.allResults(t.results());
            QuotaIT.assertEachJobSucceededOnceWithFakeModelOutput(jobs, byId, sim);
            assertThat(whileOpen).as("jobs sent while the breaker was open, answered by a healthy region")
                    .allSatisfy(j -> assertThat(byId.get(j.id()).get(0).region()).isNotEqualTo(BAD));
            assertThat(afterClose).as("jobs sent after the breaker closed").anySatisfy(j -> assertThat(
                    byId.get(j.id()).get(0).region()).isEqualTo(BAD));
            long injected = sim.stats(BAD).deployment(DEPLOYMENT).errors(500);
            assertThat(calls.getOrDefault("{region=\"" + BAD + "\",outcome=\"500\"}", 0L))
                    .as("llm_calls_total{%s,500}", BAD).isEqualTo(injected);
        }
    }

    private static long requests(Simulator sim, String region) {
        return sim.stats(region).deployment(DEPLOYMENT).requests();
    }

    private static long healthyRequests(Simulator sim) {
        return sim.regions().stream().filter(r -> !r.equals(BAD)).mapToLong(r -> requests(sim, r)).sum();
    }

    private static List<Job> sendChunk(Worker worker, Cluster.Topics t, String prefix, int sentBefore) {
        return cluster.sendAndAwait(worker, t, prefix, sentBefore, CHUNK);
    }

    /** Reads the faulty region's breaker through the worker's metrics and its status page. */
    private record Probe(Worker worker, HttpClient http) {
        double gauge() {
            return worker.metrics().gaugeValue("llm_breaker_state", "region", BAD, "deployment", DEPLOYMENT);
        }

        long transitions(String to) {
            return worker.metrics().counter("llm_breaker_transitions_total", "region", BAD, "deployment", DEPLOYMENT,
                    "to", to);
        }

        String statusState() throws Exception {
            String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + worker.adminPort()
                    + "/status.json")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString())
                    .body();
            for (JsonNode r : Json.mapper().readTree(body).path("regions")) {
                if (BAD.equals(r.path("region").asText())) {
                    return r.path("breaker").asText();
                }
            }
            throw new AssertionError("no region " + BAD + " in /status.json: " + body);
        }
    }
}
