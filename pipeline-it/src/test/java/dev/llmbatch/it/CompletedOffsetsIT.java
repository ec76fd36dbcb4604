package dev.llmbatch.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmbatch.core.job.Job;
import dev.llmbatch.core.job.JobCodec;
import dev.llmbatch.core.offsets.CompletedOffsets;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.simulator.DeploymentStats;
import dev.llmbatch.simulator.FaultSpec;
import dev.llmbatch.simulator.Simulator;
import dev.llmbatch.simulator.SimulatorConfig;
import dev.llmbatch.worker.Worker;
import dev.llmbatch.worker.WorkerCommand;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jobs answered above a stuck commit position are recorded in the commit metadata: a worker killed while the first
 * job of a partition hangs leaves them recorded, and its successor skips them (no second call, no second result)
 * and answers only the stuck job. With every other job stuck, the metadata stays within its bound and the worker
 * stops reading the partition until the stuck jobs are answered.
 *
 * <p>Jobs of pool {@code stuck} go to {@link #STUCK}, which hangs every call while its fault is on; the others go
 * to {@link #HEALTHY}. Packing is off, so the simulator's admitted requests count jobs; idempotency by job id is off,
 * so a job answered twice would show as a second call and a second result.
 */
class CompletedOffsetsIT {
    private static final String HEALTHY = "swedencentral";
    private static final String STUCK = "westus";
    private static final String DEPLOYMENT = "gpt-4o-mini";
    private static final String SIM = """
            time-scale: 30
            seed: 5
            api-keys: [it-key]
            regions:
              - name: swedencentral
                latency: {rtt-ms: 10, ttft-ms: 200, tps: 200}
                deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 2000000, rpm: 12000}]
              - name: westus
                latency: {rtt-ms: 10, ttft-ms: 200, tps: 200}
                deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 2000000, rpm: 12000}]
            """;

    static Cluster cluster;

    @BeforeAll
    static void start() {
        cluster = Cluster.shared();
    }

    @Test
    void workerKilledWhileFirstJobHangs_successorSkipsTheJobsAnsweredAboveIt_noSecondCallNoSecondResult(
            @TempDir Path dir) throws Exception {
        Cluster.Topics t = cluster.topics(2);
        Job stuck = Job.ofTask("stuck-0", "stuck", "sentiment", Jobs.text(0));
        List<Job> p0 = new ArrayList<>();
        List<Job> p1 = new ArrayList<>();
        for (int i = 1; i <= 150; i++) {
            p0.add(Jobs.job("p0", i));
            p1.add(Jobs.job("p1", i));
        }
        Set<String> answeredFirst = ids(p0);
        answeredFirst.addAll(ids(p1));
        Set<String> all = new HashSet<>(answeredFirst);
        all.add(stuck.id());
        try (Simulator sim = Simulator.start(SimulatorConfig.parse(SIM))) {
            sim.setFaults(STUCK, FaultSpec.none().withPHang(1.0));
            String yaml = workerYaml(sim, t, "commit-metadata-max-chars: 3000", "request-timeout-ms: 120000");
            Process first = startProcess(dir, yaml, sim);
            try {
                List<Job> partition0 = new ArrayList<>();
                partition0.add(stuck);
                partition0.addAll(p0);
                produce(t.jobs(), 0, partition0);
                produce(t.jobs(), 1, p1);
                cluster.awaitResults(t.results(), Cluster.allOf(answeredFirst), Duration.ofMinutes(2));
                // the commit that published the last of them also recorded them above the stuck position
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    Map<TopicPartition, OffsetAndMetadata> c = committed(t);
                    OffsetAndMetadata c0 = c.get(new TopicPartition(t.jobs(), 0));
                    assertThat(c0).isNotNull();
                    assertThat(c0.offset()).as("stuck behind the hung job").isZero();
                    CompletedOffsets done = CompletedOffsets.decode(c0.metadata(), 0);
                    assertThat(done.rangeCount()).as("recorded ranges in %s", done).isOne();
                    assertThat(done.start(0)).isEqualTo(1);
                    assertThat(done.end(0)).isEqualTo(151);
                    assertThat(c.get(new TopicPartition(t.jobs(), 1))).isEqualTo(new OffsetAndMetadata(150, ""));
                });
                assertThat(healthy(sim).accepted()).as("one call per answered job").isEqualTo(300);
                assertThat(stuck(sim).hangs()).as("the stuck job's call hangs").isEqualTo(1);
            } finally {
                first.destroyForcibly();
                assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
            Map<String, List<JobResult>> before = cluster.allResults(t.results());
            assertThat(before.keySet()).isEqualTo(answeredFirst);

            sim.setFaults(STUCK, FaultSpec.none());
            long skipped;
            try (Worker second = cluster.startWorker(yaml, sim)) {
                cluster.awaitResults(t.results(), Cluster.allOf(all), Duration.ofMinutes(2));
                skipped = second.metrics().total("llm_jobs_skipped_done_total");
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                        committed(t).get(new TopicPartition(t.jobs(), 0))).isEqualTo(new OffsetAndMetadata(151, "")));
            }
            assertThat(skipped).as("records skipped by the successor").isEqualTo(150);
            assertThat(healthy(sim).accepted()).as("no job answered before the kill was sent again").isEqualTo(300);
            assertThat(stuck(sim).accepted() - stuck(sim).hangs()).as("the stuck job, answered once").isEqualTo(1);
        }
        Map<String, List<JobResult>> results = cluster.allResults(t.results());
        assertThat(results.keySet()).isEqualTo(all);
        results.forEach((id, rs) -> {
            assertThat(rs).as("results for %s", id).hasSize(1);
            assertThat(rs.get(0).status()).as("status of %s", id).isEqualTo(Status.SUCCEEDED);
        });
        assertThat(results.get(stuck.id()).get(0).region()).isEqualTo(STUCK);
    }

    @Test
    void everyOtherJobHangs_metadataStaysWithinItsBound_intakePausesUntilTheHungJobsAreAnswered() throws Exception {
        Cluster.Topics t = cluster.topics(1);
        List<Job> jobs = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            jobs.add(i % 2 == 0 ? Job.ofTask("hang-" + i, "stuck", "sentiment", Jobs.text(i)) : Jobs.job("ok", i));
        }
        int bound = 256;
        TopicPartition tp = new TopicPartition(t.jobs(), 0);
        try (Simulator sim = Simulator.start(SimulatorConfig.parse(SIM))) {
            sim.setFaults(STUCK, FaultSpec.none().withPHang(1.0));
            String yaml = workerYaml(sim, t, "commit-metadata-max-chars: " + bound + ", max-poll-records: 10",
                    "request-timeout-ms: 3000\nmax-attempts: 50");
            try (Worker worker = cluster.startWorker(yaml, sim)) {
                // paced, so that the answered jobs fill the metadata while there is still something left to read
                int sent = 0;
                while (gauge(worker, "llm_intake_metadata_paused") == 0) {
                    assertThat(sent).as("jobs sent before intake paused").isLessThan(jobs.size());
                    produce(t.jobs(), 0, jobs.subList(sent, sent + 20));
                    sent += 20;
                    long answerable = sent / 2;
                    await().atMost(Duration.ofSeconds(30)).until(() -> gauge(worker, "llm_intake_metadata_paused") == 1
                            || worker.metrics().total("llm_results_total") >= answerable);
                }
                produce(t.jobs(), 0, jobs.subList(sent, jobs.size()));
                long received = worker.metrics().total("llm_jobs_received_total");
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() ->
                        worker.metrics().total("llm_jobs_received_total") == received);
                long answered = worker.metrics().total("llm_results_total");
                OffsetAndMetadata c = committed(t).get(tp);
                CompletedOffsets recorded = CompletedOffsets.decode(c.metadata(), c.offset());
                System.out.printf("CompletedOffsetsIT: intake paused after %d records, %d answered, commit at %d "
                        + "with %d answered above it in %d characters (bound %d); pauses %d%n", received, answered,
                        c.offset(), recorded.count(), c.metadata().length(), bound,
                        worker.metrics().total("llm_intake_metadata_pauses_total"));
                assertThat(c.offset()).as("the first job hangs").isZero();
                assertThat(c.metadata().length()).isLessThanOrEqualTo(bound).isGreaterThan(bound / 2);
                assertThat(gauge(worker, "llm_commit_metadata_chars")).isLessThanOrEqualTo(bound);
                assertThat(recorded.count()).as("every other offset answered").isEqualTo(recorded.rangeCount())
                        .isGreaterThan(30);
                assertThat(received).as("records read before intake paused").isLessThan(jobs.size());
                assertThat(worker.metrics().total("llm_intake_metadata_pauses_total")).isPositive();

                sim.setFaults(STUCK, FaultSpec.none());
                cluster.awaitResults(t.results(), Cluster.allOf(ids(jobs)), Duration.ofMinutes(2));
                assertThat(worker.failure()).isNull();
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                        assertThat(committed(t).get(tp)).isEqualTo(new OffsetAndMetadata(300, "")));
                assertThat(gauge(worker, "llm_intake_metadata_paused")).isZero();
            }
        }
        Map<String, List<JobResult>> results = cluster.allResults(t.results());
        assertThat(results.keySet()).isEqualTo(ids(jobs));
        results.forEach((id, rs) -> {
            assertThat(rs).as("results for %s", id).hasSize(1);
            assertThat(rs.get(0).status()).as("status of %s", id).isEqualTo(Status.SUCCEEDED);
        });
    }

    /** Pools {@code gpt-4o-mini} (the healthy region) and {@code stuck} (the other), unpacked; idempotency off. */
    private static String workerYaml(Simulator sim, Cluster.Topics t, String kafkaExtra, String workerExtra) {
        StringBuilder y = new StringBuilder();
        y.append("kafka: {bootstrap: BOOT, jobs-topic: ").append(t.jobs()).append(", results-topic: ")
                .append(t.results()).append(", dlq-topic: ").append(t.dlq()).append(", group: ").append(t.group())
                .append(", transactional-id: ").append(t.group()).append("-tx, ").append(kafkaExtra)
                // the killed worker's member is dropped from the group within seconds, not the default 45
                .append(", properties: {session.timeout.ms: \"6000\", heartbeat.interval.ms: \"1000\"}}\n");
        y.append("worker:\n  time-scale: 30\n  http: {host: 127.0.0.1, port: 0}\n  idempotency: {enabled: false}\n");
        workerExtra.lines().forEach(l -> y.append("  ").append(l).append('\n'));
        y.append("models:\n");
        pool(y, sim, "gpt-4o-mini", HEALTHY);
        pool(y, sim, "stuck", STUCK);
        y.append("""
                tasks:
                  sentiment: {system: "Classify the sentiment of the review as positive, negative or neutral.", max-tokens: 5, batchable: true}
                """);
        return y.toString();
    }

    private static void pool(StringBuilder y, Simulator sim, String name, String region) {
        y.append("  ").append(name).append(":\n    encoding: o200k_base\n    context-window: 128000\n")
                .append("    max-request-tokens: 1024\n    batching: {enabled: false}\n    deployments:\n")
                .append("      - {region: ").append(region).append(", endpoint: \"").append(sim.endpoint(region))
                .append("\", deployment: ").append(DEPLOYMENT).append(", api-key-env: ").append(Cluster.KEY_ENV)
                .append(", tpm: 2000000, rpm: 12000}\n");
    }

    /** A worker as its own JVM, so that it can be killed without any chance to finish or commit. */
    private static Process startProcess(Path dir, String yaml, Simulator sim) throws Exception {
        Path config = dir.resolve("worker.yaml");
        Files.writeString(config, yaml.replace("BOOT", cluster.kafka.bootstrapServers()));
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), WorkerCommand.class.getName(),
                "--config", config.toString());
        pb.environment().put(Cluster.KEY_ENV, sim.config().apiKeys().get(0));
        File log = dir.resolve("worker.log").toFile();
        pb.redirectErrorStream(true).redirectOutput(log);
        return pb.start();
    }

    private static void produce(String topic, int partition, List<Job> jobs) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.kafka.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (Job j : jobs) {
                producer.send(new ProducerRecord<>(topic, partition, j.id().getBytes(StandardCharsets.UTF_8),
                        JobCodec.encode(j)));
            }
            producer.flush();
        }
    }

    private static Map<TopicPartition, OffsetAndMetadata> committed(Cluster.Topics t) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.kafka.bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            return admin.listConsumerGroupOffsets(t.group()).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        }
    }

    private static double gauge(Worker worker, String name) {
        for (String line : worker.metrics().render().split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(name.length() + 1));
            }
        }
        throw new AssertionError("no gauge " + name);
    }

    private static DeploymentStats healthy(Simulator sim) {
        return sim.stats(HEALTHY).deployment(DEPLOYMENT);
    }

    private static DeploymentStats stuck(Simulator sim) {
        return sim.stats(STUCK).deployment(DEPLOYMENT);
    }

    private static Set<String> ids(List<Job> jobs) {
        return jobs.stream().map(Job::id).collect(Collectors.toCollection(HashSet::new));
    }
}
