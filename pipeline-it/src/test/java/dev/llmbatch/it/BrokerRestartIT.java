package dev.llmbatch.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmbatch.core.job.Job;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.simulator.Simulator;
import dev.llmbatch.simulator.SimulatorConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 5, broker outage: the (only) broker is stopped for 20 s in the middle of a run and started again on the same
 * port and log directory. The worker process rides it out (it neither exits nor stops consuming): every job of the
 * first wave gets exactly one committed result, and a second wave produced after the restart is answered too.
 * Uses a broker of its own, so the other test classes' shared broker is not affected.
 */
class BrokerRestartIT {
    static Cluster cluster;
    static final int FIRST_WAVE = 3000;
    static final int SECOND_WAVE = 500;
    static final Duration OUTAGE = Duration.ofSeconds(20);

    @BeforeAll
    static void start() {
        cluster = Cluster.dedicated();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void brokerStoppedFor20sMidRun_workerSurvives_everyJobExactlyOnce_andItKeepsConsumingAfterwards()
            throws Exception {
        Path dir = WorkerProcess.logDir("BrokerRestartIT");
        Cluster.Topics t = cluster.topics(3);
        List<Job> first = new ArrayList<>();
        for (int i = 0; i < FIRST_WAVE; i++) {
            first.add(Jobs.job("outage", i));
        }
        List<Job> second = new ArrayList<>();
        for (int i = 0; i < SECOND_WAVE; i++) {
            second.add(Jobs.job("after", i));
        }
        Set<String> firstIds = first.stream().map(Job::id).collect(Collectors.toSet());
        Set<String> allIds = new HashSet<>(firstIds);
        second.forEach(j -> allIds.add(j.id()));
        String brokerPort = cluster.kafka.bootstrapServers();
        List<String> report = new ArrayList<>();
        try (Simulator sim = Simulator.start(SimulatorConfig.parse(CrashIT.SIM))) {
            String yaml = Cluster.withKafka(Cluster.workerYaml(sim, t, 10, "max-in-flight: " + CrashIT.MAX_IN_FLIGHT
                    + "\ngrace-period-ms: 30000"), t, CrashIT.instance("outage-worker-0"));
            Path config = cluster.writeConfig(yaml, dir.resolve("worker.yaml"));
            cluster.produce(t.jobs(), Jobs.records(first));
            try (WorkerProcess worker = WorkerProcess.start(config, sim, dir.resolve("worker.log"))) {
                cluster.awaitResults(t.results(), m -> m.size() >= FIRST_WAVE * 30 / 100, Duration.ofMinutes(3));
                int visibleBefore = cluster.allResults(t.results()).size();
                cluster.embedded().stop(); // SIGTERM, returns once the broker process has exited
                assertThat(cluster.embedded().isRunning()).isFalse();
                long downAt = System.nanoTime();
                // The outage: 20 s on the clock with no broker process at all, during which the worker process must stay up.
                await("broker down for " + OUTAGE + ", worker alive throughout").during(OUTAGE)
                        .atMost(OUTAGE.plusSeconds(10)).pollInterval(Duration.ofMillis(500))
                        .until(worker::isAlive);
                long downMs = (System.nanoTime() - downAt) / 1_000_000;
                cluster.embedded().restart();
                assertThat(cluster.kafka.bootstrapServers()).as("same address after the restart")
                        .isEqualTo(brokerPort);
                long upAt = System.nanoTime();
                report.add(String.format("%d of %d results visible when the broker stopped; down %d ms", visibleBefore,
                        FIRST_WAVE, downMs));

                cluster.awaitResults(t.results(), Cluster.allOf(firstIds), Duration.ofMinutes(3));
                report.add(String.format("first wave complete %d ms after the restart",
                        (System.nanoTime() - upAt) / 1_000_000));
                assertThat(worker.isAlive()).as("worker alive after the outage; log:%n%s", worker.log()).isTrue();

                // Still consuming: jobs produced after the restart are answered.
                long secondAt = System.nanoTime();
                cluster.produce(t.jobs(), Jobs.records(second));
                cluster.awaitResults(t.results(), Cluster.allOf(allIds), Duration.ofMinutes(2));
                report.add(String.format("second wave (%d jobs produced after the restart) answered in %d ms",
                        SECOND_WAVE, (System.nanoTime() - secondAt) / 1_000_000));
                assertThat(worker.isAlive()).isTrue();
                assertThat(worker.terminate(Duration.ofSeconds(60))).as("worker exits on SIGTERM").isTrue();
                assertThat(worker.log()).contains("worker stopped").doesNotContain("kafka loop failed");
            } finally {
                System.out.println("BrokerRestartIT:\n  " + String.join("\n  ", report) + "\n  worker log: "
                        + dir.toAbsolutePath() + "\n  broker log: " + cluster.embedded().brokerLog());
            }
        }
        Map<String, List<JobResult>> all = cluster.allResults(t.results());
        Map<String, List<String>> dups = cluster.duplicatePositions(t.results());
        SoftAssertions soft = new SoftAssertions();
        soft.assertThat(all.keySet()).as("ids with a result").isEqualTo(allIds);
        soft.assertThat(dups).as("ids with more than one committed result (%d), each copy's partition@offset",
                dups.size()).isEmpty();
        all.forEach((id, rs) -> soft.assertThat(rs.get(0).status()).as("status of %s: %s", id, rs.get(0).error())
                .isEqualTo(Status.SUCCEEDED));
        soft.assertThat(cluster.readAll(t.dlq())).as("DLQ").isEmpty();
        soft.assertThat(cluster.committedTotal(t.group())).as("every offset committed")
                .isEqualTo(FIRST_WAVE + SECOND_WAVE);
        soft.assertAll();
    }
}
