package dev.llmbatch.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.job.Job;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.simulator.Simulator;
import dev.llmbatch.simulator.SimulatorConfig;
import dev.llmbatch.worker.Worker;
import dev.llmbatch.worker.WorkerCommand;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to a worker process: it stops polling, finishes what it holds, publishes and commits, and exits; a worker
 * started afterwards on the same group finishes the rest with exactly one result per job overall.
 */
class GracefulShutdownIT {
    static Cluster cluster;
    static final String SIM = """
            time-scale: 10
            api-keys: [it-key]
            regions:
              - name: swedencentral
                latency: {rtt-ms: 20, ttft-ms: 600, tps: 80}
                deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 450000, rpm: 600}]
              - name: eastus
                latency: {rtt-ms: 20, ttft-ms: 600, tps: 80}
                deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 450000, rpm: 600}]
            """;

    @BeforeAll
    static void start() {
        cluster = Cluster.shared();
    }


    @Test
    void sigtermMidRun_workerFinishesInFlightAndCommits_nextWorkerCompletesTheRestExactlyOnce(@TempDir Path dir)
            throws Exception {
        Cluster.Topics t = cluster.topics(3);
        List<Job> jobs = new ArrayList<>();
        for (int i = 0; i < 1200; i++) {
            jobs.add(Jobs.job("term", i));
        }
        Set<String> ids = jobs.stream().map(Job::id).collect(Collectors.toSet());
        try (Simulator sim = Simulator.start(SimulatorConfig.parse(SIM))) {
            String yaml = Cluster.workerYaml(sim, t, 10, "max-in-flight: 60\ngrace-period-ms: 30000")
                    .replace("BOOT", cluster.kafka.bootstrapServers())
                    .replace("group: " + t.group() + "}", "group: " + t.group() + ", max-poll-records: 20}");
            Path config = dir.resolve("worker.yaml");
            Files.writeString(config, yaml);
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-cp", System.getProperty("java.class.path"), WorkerCommand.class.getName(),
                    "--config", config.toString());
            pb.environment().put(Cluster.KEY_ENV, sim.config().apiKeys().get(0));
            File log = dir.resolve("worker.log").toFile();
            pb.redirectErrorStream(true).redirectOutput(log);
            Process worker = pb.start();
            try {
                cluster.produce(t.jobs(), Jobs.records(jobs));
                cluster.awaitResults(t.results(), m -> m.size() >= 150, Duration.ofMinutes(2));
                worker.destroy(); // SIGTERM
                assertThat(worker.waitFor(60, TimeUnit.SECONDS)).as("worker exits within the grace period").isTrue();
            } finally {
                worker.destroyForcibly();
            }
            String output = Files.readString(log.toPath());
            assertThat(output).contains("worker stopped").doesNotContain("were still in flight");

            Map<String, List<JobResult>> before = cluster.allResults(t.results());
            long committed = committedTotal(t);
            assertThat(before.size()).as("results published before exit").isGreaterThanOrEqualTo(150)
                    .isLessThan(jobs.size());
            assertThat(committed).as("every consumed job was answered and committed; nothing answered is "
                    + "uncommitted").isEqualTo(before.size());

            try (Worker second = cluster.startWorker(Cluster.workerYaml(sim, t, 10, null), sim)) {
                cluster.awaitResults(t.results(), Cluster.allOf(ids), Duration.ofMinutes(2));
            }
        }
        Map<String, List<JobResult>> all = cluster.allResults(t.results());
        assertThat(all.keySet()).isEqualTo(ids);
        all.forEach((id, rs) -> {
            assertThat(rs).as("results for %s", id).hasSize(1);
            assertThat(rs.get(0).status()).isEqualTo(Status.SUCCEEDED);
        });
    }

    private long committedTotal(Cluster.Topics t) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.kafka.bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(t.group())
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            return offsets.values().stream().mapToLong(OffsetAndMetadata::offset).sum();
        }
    }
}
