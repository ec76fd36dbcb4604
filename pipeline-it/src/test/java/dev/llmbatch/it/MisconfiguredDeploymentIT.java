package dev.llmbatch.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmbatch.core.job.Job;
import dev.llmbatch.core.json.Json;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.simulator.Simulator;
import dev.llmbatch.simulator.SimulatorConfig;
import dev.llmbatch.worker.Worker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12: a deployment's fault is never a job's failure. Of three regions, {@code eastus} refuses the worker's key
 * for the whole run (401), {@code westeurope}'s deployment is missing (404 DeploymentNotFound) for the first half;
 * {@code swedencentral} reads its key from a file that is rewritten in the second half at the moment the simulator
 * starts accepting only the new key. 2,000 jobs, sent in paced chunks, all succeed; the two bad deployments show as
 * misconfigured in {@code /metrics} and {@code /status.json}; westeurope takes work again once it is back, and the
 * rotated key is picked up without a restart.
 */
class MisconfiguredDeploymentIT {
    private static final double SCALE = 10;
    private static final String DEPLOYMENT = QuotaIT.DEPLOYMENT;
    private static final String GOOD = "swedencentral";
    private static final String LOCKED = "eastus";
    private static final String MISSING = "westeurope";
    private static final int CHUNKS = 20;
    private static final int CHUNK = 100;
    private static final String SIM = """
            time-scale: 10
            seed: 12
            api-keys: [it-key]
            regions:
              - name: swedencentral
                latency: {rtt-ms: 10, ttft-ms: 200, tps: 200}
                deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 450000, rpm: 2700}]
              - name: eastus
                api-keys: [a-key-the-worker-does-not-have]
                latency: {rtt-ms: 20, ttft-ms: 200, tps: 200}
                deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 450000, rpm: 2700}]
              - name: westeurope
                latency: {rtt-ms: 20, ttft-ms: 200, tps: 200}
                deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 450000, rpm: 2700}]
            """;

    static Cluster cluster;

    @BeforeAll
    static void start() {
        cluster = Cluster.shared();
    }

    @Test
    void oneRegion401AnotherMissingThenBack_keyFileRotated_everyJobSucceeds(@TempDir Path dir) throws Exception {
        Cluster.Topics t = cluster.topics(3);
        Path keyFile = Files.writeString(dir.resolve("swedencentral.key"), "it-key\n");
        List<Job> jobs = new ArrayList<>();
        try (Simulator sim = Simulator.start(SimulatorConfig.parse(SIM))) {
            sim.setMissing(MISSING, DEPLOYMENT, true);
            String yaml = Cluster.workerYaml(sim, t, SCALE, "misconfigured-probe-ms: 2000").lines()
                    .map(l -> l.contains("{region: " + GOOD + ",")
                            ? l.replace("api-key-env: " + Cluster.KEY_ENV, "api-key-file: " + keyFile) : l)
                    .collect(Collectors.joining("\n", "", "\n"));
            Map<String, String> states = Map.of();
            double lockedGauge;
            double missingGauge;
            long goodBeforeRotation;
            long missingServedWhileMissing;
            try (Worker worker = cluster.startWorker(yaml, sim)) {
                for (int c = 0; c < CHUNKS / 2; c++) {
                    jobs.addAll(cluster.sendAndAwait(worker, t, "mis", jobs.size(), CHUNK));
                }
                // first half over: both bad deployments have been tried and put aside
                states = states(worker);
                String metrics = get(worker, "/metrics");
                lockedGauge = gauge(metrics, LOCKED);
                missingGauge = gauge(metrics, MISSING);
                missingServedWhileMissing = sim.stats(MISSING).deployment(DEPLOYMENT).succeeded();

                sim.setMissing(MISSING, DEPLOYMENT, false);
                for (int c = CHUNKS / 2; c < CHUNKS * 3 / 4; c++) {
                    jobs.addAll(cluster.sendAndAwait(worker, t, "mis", jobs.size(), CHUNK));
                }

                // the secret is rotated in place (as Kubernetes does: a new file moved over the old one) while the
                // service starts refusing the old key
                Path next = Files.writeString(dir.resolve("swedencentral.key.new"), "it-key-rotated\n");
                Files.move(next, keyFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                sim.setApiKeys(GOOD, List.of("it-key-rotated"));
                goodBeforeRotation = sim.stats(GOOD).deployment(DEPLOYMENT).succeeded();
                for (int c = CHUNKS * 3 / 4; c < CHUNKS; c++) {
                    jobs.addAll(cluster.sendAndAwait(worker, t, "mis", jobs.size(), CHUNK));
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> "ok".equals(states(worker).get(GOOD)));
                Map<String, String> end = states(worker);
                assertThat(end.get(MISSING)).as("westeurope after it came back").isEqualTo("ok");
                assertThat(end.get(LOCKED)).as("eastus, whose key is wrong all along").isEqualTo("misconfigured");
                assertThat(worker.metrics().counter("llm_deployment_misconfigured_total", "region", MISSING,
                        "deployment", DEPLOYMENT, "code", "DeploymentNotFound")).isEqualTo(1);
                assertThat(worker.metrics().counter("llm_deployment_misconfigured_total", "region", GOOD,
                        "deployment", DEPLOYMENT, "code", "unauthorized")).as("the rotation, seen once").isEqualTo(1);
                assertThat(worker.failure()).isNull();
            }
            long missingServedAfter = sim.stats(MISSING).deployment(DEPLOYMENT).succeeded();
            long goodAfterRotation = sim.stats(GOOD).deployment(DEPLOYMENT).succeeded() - goodBeforeRotation;
            long lockedUnauthorized = sim.stats(LOCKED).unauthorized();
            long goodUnauthorized = sim.stats(GOOD).unauthorized();
            long missing404 = sim.stats(MISSING).notRouted();
            Map<String, List<JobResult>> byId = cluster.allResults(t.results());
            Map<String, Long> byRegion = byId.values().stream().map(rs -> rs.get(0).region())
                    .collect(Collectors.groupingBy(r -> r, java.util.TreeMap::new, Collectors.counting()));
            System.out.printf("MisconfiguredDeploymentIT: %d jobs; results by region %s; %s 401s %d, %s 404s %d "
                    + "(answers while missing %d, after %d); %s 401s after the key rotation %d, answers after it %d;"
                    + " states at half time %s%n", jobs.size(), byRegion, LOCKED, lockedUnauthorized, MISSING,
                    missing404, missingServedWhileMissing, missingServedAfter, GOOD, goodUnauthorized,
                    goodAfterRotation, states);

            QuotaIT.assertEachJobSucceededOnceWithFakeModelOutput(jobs, byId, sim);
            assertThat(states).as("/status.json at half time").containsEntry(LOCKED, "misconfigured")
                    .containsEntry(MISSING, "misconfigured").containsEntry(LOCKED + ".code", "unauthorized")
                    .containsEntry(MISSING + ".code", "DeploymentNotFound");
            assertThat(lockedGauge).as("llm_deployment_misconfigured of %s in /metrics", LOCKED).isEqualTo(1.0);
            assertThat(missingGauge).as("llm_deployment_misconfigured of %s in /metrics", MISSING).isEqualTo(1.0);
            assertThat(lockedUnauthorized).as("calls %s refused", LOCKED).isPositive();
            assertThat(missing404).as("calls %s answered 404", MISSING).isPositive();
            assertThat(missingServedWhileMissing).isZero();
            assertThat(missingServedAfter).as("%s used again after it came back", MISSING).isPositive();
            assertThat(byRegion).doesNotContainKey(LOCKED);
            assertThat(goodAfterRotation).as("%s answers with the re-read key, no restart", GOOD).isPositive();
        }
    }

    /** {@code /status.json}'s state per region. */
    private Map<String, String> states(Worker worker) throws Exception {
        Map<String, String> out = new java.util.TreeMap<>();
        for (JsonNode r : Json.mapper().readTree(get(worker, "/status.json")).path("regions")) {
            out.put(r.path("region").asText(), r.path("state").asText());
            if (r.path("misconfigured_code").isTextual()) {
                out.put(r.path("region").asText() + ".code", r.path("misconfigured_code").asText());
            }
        }
        return out;
    }

    /** The value of {@code llm_deployment_misconfigured} for {@code region} in the Prometheus text. */
    private static double gauge(String metrics, String region) {
        return metrics.lines().filter(l -> l.startsWith("llm_deployment_misconfigured{")
                && l.contains("region=\"" + region + "\"")).mapToDouble(l -> Double.parseDouble(
                        l.substring(l.lastIndexOf(' ') + 1))).findFirst()
                .orElseThrow(() -> new AssertionError("no llm_deployment_misconfigured for " + region));
    }

    private String get(Worker worker, String path) throws Exception {
        return AdminHttp.get(worker, path);
    }
}
