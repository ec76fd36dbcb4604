package dev.llmbatch.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.job.Job;
import dev.llmbatch.simulator.Simulator;
import dev.llmbatch.simulator.SimulatorConfig;
import dev.llmbatch.worker.Worker;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Liveness and readiness against a real broker and simulator: a worker is ready once it has partitions to work on,
 * not while its group gives it none, and not while no deployment of a pool can be called; it stays live throughout.
 */
class HealthIT {
    private static final String SIM = """
            time-scale: 30
            seed: 3
            api-keys: [it-key]
            regions:
              - name: swedencentral
                latency: {rtt-ms: 10, ttft-ms: 100, tps: 300}
                deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 450000, rpm: 2700}]
            """;
    private static Cluster cluster;

    @BeforeAll
    static void start() {
        cluster = Cluster.shared();
    }

    static int code(Worker w, String path) throws Exception {
        return AdminHttp.status(w, path);
    }

    static JsonObject json(Worker w, String path) throws Exception {
        return new JsonObject(AdminHttp.get(w, path));
    }

    @Test
    void ready_withPartitions_notWhileTheGroupGivesNone_liveThroughout() throws Exception {
        Cluster.Topics t = cluster.topics(1);
        try (Simulator sim = Simulator.start(SimulatorConfig.parse(SIM))) {
            String yaml = Cluster.workerYaml(sim, t, 30, null);
            try (Worker first = cluster.startWorker(yaml, sim)) {
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> code(first, "/health/ready") == 200);
                try (Worker second = cluster.startWorker(yaml, sim)) {
                    Awaitility.await().atMost(Duration.ofSeconds(60))
                            .until(() -> json(second, "/health").getString("status").equals("up"));
                    assertThat(code(second, "/health/ready")).as("one partition, held by the first worker")
                            .isEqualTo(503);
                    assertThat(code(second, "/health/live")).isEqualTo(200);
                    assertThat(json(second, "/status").getJsonArray("regions")).hasSize(1);
                }
            }
        }
    }

    @Test
    void notReady_whileEveryDeploymentOfAPoolIsMisconfigured_butLive() throws Exception {
        Cluster.Topics t = cluster.topics(1);
        try (Simulator sim = Simulator.start(SimulatorConfig.parse(SIM))) {
            // The worker names a deployment the service does not have: every call answers 404 DeploymentNotFound.
            String yaml = Cluster.workerYaml(sim, t, 30, null).replace("deployment: gpt-4o-mini",
                    "deployment: gpt-4o-nano");
            try (Worker w = cluster.startWorker(yaml, sim)) {
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> code(w, "/health/ready") == 200);
                cluster.produce(t.jobs(), Jobs.records(List.<Job>of(Jobs.job("health", 1))));

                Awaitility.await().atMost(Duration.ofSeconds(60))
                        .until(() -> "degraded".equals(json(w, "/health").getString("status")));
                assertThat(code(w, "/health/ready")).isEqualTo(503);
                assertThat(code(w, "/health/live")).isEqualTo(200);
                assertThat(code(w, "/health")).as("degraded is alive: a restart fixes no deployment name")
                        .isEqualTo(200);
                JsonObject region = json(w, "/status.json").getJsonArray("regions").getJsonObject(0);
                assertThat(region.getString("state")).isEqualTo("misconfigured");
                assertThat(region.getString("misconfigured_code")).isEqualTo("DeploymentNotFound");
                assertThat(cluster.allResults(t.results())).as("the job waits, it does not fail").isEmpty();
            }
        }
    }
}
