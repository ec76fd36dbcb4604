package dev.llmbatch.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.job.Job;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.simulator.Simulator;
import dev.llmbatch.simulator.SimulatorConfig;
import dev.llmbatch.simulator.TokenStats;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 12: {@code auth: entra} end to end. The worker runs as its own process with azure-identity's real
 * {@code DefaultAzureCredential}, pointed by the App Service managed-identity variables ({@code IDENTITY_ENDPOINT},
 * {@code IDENTITY_HEADER}) at the simulator's token endpoint, which issues tokens that live 4 seconds; every region
 * refuses an expired or unknown token with 401. 3,000 jobs over many token lifetimes all succeed, tokens are fetched
 * again before they expire, and no call is ever refused.
 */
class EntraIdIT {
    private static final double LIFETIME_S = 4;
    private static final String SIM = """
            time-scale: 10
            seed: 21
            api-keys: [it-key]
            tokens: {lifetime-s: 4, identity-header: it-identity}
            regions:
              - name: swedencentral
                latency: {rtt-ms: 10, ttft-ms: 200, tps: 200}
                deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 100000, rpm: 140}]
              - name: eastus
                latency: {rtt-ms: 20, ttft-ms: 250, tps: 150}
                deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 100000, rpm: 140}]
              - name: westeurope
                latency: {rtt-ms: 20, ttft-ms: 300, tps: 100}
                deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 100000, rpm: 140}]
            """;

    static Cluster cluster;

    @BeforeAll
    static void start() {
        cluster = Cluster.shared();
    }

    @Test
    void threeThousandJobsOverManyTokenLifetimes_everyJobAnswered_noCallRefused() throws Exception {
        Cluster.Topics t = cluster.topics(3);
        List<Job> jobs = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            jobs.add(Jobs.job("entra", i));
        }
        Set<String> ids = jobs.stream().map(Job::id).collect(Collectors.toSet());
        Path dir = WorkerProcess.logDir("EntraIdIT");
        try (Simulator sim = Simulator.start(SimulatorConfig.parse(SIM))) {
            String yaml = Cluster.workerYaml(sim, t, 10, null).replace("api-key-env: " + Cluster.KEY_ENV,
                    "auth: entra");
            assertThat(yaml).doesNotContain("api-key");
            Path config = cluster.writeConfig(yaml, dir.resolve("worker.yaml"));
            long runNanos;
            WorkerProcess worker = WorkerProcess.start(config, sim, dir.resolve("worker.log"),
                    Map.of("IDENTITY_ENDPOINT", sim.tokenEndpoint(), "IDENTITY_HEADER", "it-identity"));
            try (worker) {
                long begin = System.nanoTime();
                cluster.produce(t.jobs(), Jobs.records(jobs));
                cluster.awaitResults(t.results(), Cluster.allOf(ids), Duration.ofMinutes(4));
                runNanos = System.nanoTime() - begin;
                assertThat(worker.isAlive()).isTrue();
            }
            Map<String, List<JobResult>> byId = cluster.allResults(t.results());
            TokenStats tokens = sim.tokenStats();
            long refused = sim.regions().stream().mapToLong(r -> sim.stats(r).unauthorized()).sum();
            double lifetimes = runNanos / 1e9 / LIFETIME_S;
            System.out.printf("EntraIdIT: %d jobs in %.1f s = %.1f token lifetimes; tokens issued %d, calls refused "
                    + "%d (expired %d, unknown %d)%n", jobs.size(), runNanos / 1e9, lifetimes, tokens.issued(),
                    refused, tokens.expiredRejected(), tokens.unknownRejected());

            QuotaIT.assertEachJobSucceededOnceWithFakeModelOutput(jobs, byId, sim);
            assertThat(byId.values()).as("no 401 in any result's trace")
                    .allSatisfy(rs -> assertThat(rs.get(0).trace()).noneMatch(a -> a.endsWith(":401")));
            assertThat(lifetimes).as("token lifetimes the run spanned").isGreaterThanOrEqualTo(3);
            // one token per half lifetime while the run lasts (plus the first), none used after it expired
            assertThat(tokens.issued()).as("tokens fetched").isGreaterThanOrEqualTo((long) lifetimes);
            assertThat(tokens.expiredRejected()).as("calls with an expired token").isZero();
            assertThat(refused).as("calls refused with 401").isZero();
            String log = worker.log();
            assertThat(log).contains("Entra ID token for auth: entra (tenant default, client default) fetched");
            assertThat(log).as("no token in the worker's log").doesNotContain("sim-token-");
        }
    }
}
