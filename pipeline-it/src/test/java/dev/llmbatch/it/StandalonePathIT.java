package dev.llmbatch.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmbatch.command.Commands;
import dev.llmbatch.core.job.DecodeResult;
import dev.llmbatch.core.job.Job;
import dev.llmbatch.core.job.JobCodec;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.simulator.Simulator;
import dev.llmbatch.simulator.SimulatorConfig;
import dev.llmbatch.worker.topics.TopicsCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The README's "Against your own Kafka" path, as a user follows it: {@code bin/pipeline kafka} (its own process),
 * {@code topics create}, a worker process, a plain kafka-clients producer with String serializers standing in for
 * any client (kcat, Python) publishing the example file's lines, and the results read back. And the mistake the path
 * guards against: a worker started before its topics exist stops at once with one line saying what to run.
 */
class StandalonePathIT {
    static Path dir;
    static StandaloneBroker broker;
    static Cluster cluster;
    static Simulator sim;

    @BeforeAll
    static void start() {
        dir = WorkerProcess.logDir("StandalonePathIT");
        broker = StandaloneBroker.start(dir.resolve("kafka.log"));
        org.slf4j.LoggerFactory.getLogger(StandalonePathIT.class).info("IT broker: {}", broker.describe());
        cluster = Cluster.on(broker);
        sim = Simulator.start(SimulatorConfig.parse(EndToEndIT.SIM));
    }

    @AfterAll
    static void stop() {
        if (sim != null) {
            sim.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void readmePath_topicsCreateThenWorkerThenPlainProducer_everyJobAnsweredOnce() throws Exception {
        // The default names: a config without topic names gets these, and so does topics create.
        Cluster.Topics t = new Cluster.Topics("llm.jobs", "llm.results", "llm.jobs.dlq", "llm-workers");
        Path config = cluster.writeConfig(Cluster.workerYaml(sim, t, 20, null), dir.resolve("worker.yaml"));

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        int rc = Commands.execute(new TopicsCommand(), new String[] {"create", "--bootstrap-server",
            broker.bootstrapServers(), "--config", config.toString(), "--partitions", "3"}, out, out);
        String created = bytes.toString(StandardCharsets.UTF_8);
        assertThat(rc).as(created).isZero();
        assertThat(created).contains("llm.jobs created", "llm.results created", "llm.jobs.dlq created");

        List<String> lines = Files.readAllLines(DeploymentFilesTest.ROOT.resolve("examples/reviews-sentiment.jsonl"))
                .subList(0, 300);
        Map<String, Job> jobs = new LinkedHashMap<>();
        for (String line : lines) {
            Job job = ((DecodeResult.Valid) JobCodec.decode(line.getBytes(StandardCharsets.UTF_8))).job();
            jobs.put(job.id(), job);
        }
        try (WorkerProcess worker = WorkerProcess.start(config, sim, dir.resolve("worker.log"))) {
            produceAsAnyClient(t.jobs(), lines);
            cluster.awaitResults(t.results(), Cluster.allOf(jobs.keySet()), Duration.ofMinutes(3));
            assertThat(worker.terminate(Duration.ofSeconds(60))).as("worker stops on SIGTERM").isTrue();
            // The JVM reports SIGTERM as 143 once the shutdown hook has stopped the worker gracefully.
            assertThat(worker.log()).contains("worker stopped").doesNotContain("kafka loop failed");
        }
        Map<String, List<JobResult>> results = cluster.allResults(t.results());
        assertThat(results.keySet()).isEqualTo(jobs.keySet());
        jobs.forEach((id, job) -> {
            assertThat(results.get(id)).as(id).hasSize(1);
            JobResult r = results.get(id).get(0);
            assertThat(r.status()).as("%s: %s", id, r.error()).isEqualTo(Status.SUCCEEDED);
            assertThat(r.output()).as(id).isEqualTo(EndToEndIT.expectedOutput(job));
        });
        assertThat(cluster.readAll(t.dlq())).isEmpty();
    }

    @Test
    void workerWithoutItsTopics_exits1WithOneLineNamingTopicAndCommand() throws Exception {
        Cluster.Topics t = new Cluster.Topics("absent.jobs", "absent.results", "absent.dlq", "absent-group");
        Path config = cluster.writeConfig(Cluster.workerYaml(sim, t, 20, null), dir.resolve("no-topics.yaml"));
        try (WorkerProcess worker = WorkerProcess.start(config, sim, dir.resolve("no-topics.log"))) {
            assertThat(worker.awaitExit(Duration.ofSeconds(60))).as("the worker stops by itself").isTrue();
            String log = worker.log();
            assertThat(worker.exitValue()).as(log).isEqualTo(1);
            List<String> told = log.lines().filter(l -> l.contains("does not exist") || l.contains("do not exist"))
                    .toList();
            assertThat(told).as(log).singleElement().asString()
                    .startsWith("worker: topics absent.jobs (jobs), absent.results (results) and absent.dlq (dlq) "
                            + "do not exist at " + broker.bootstrapServers() + ";")
                    .contains("bin/pipeline topics create --bootstrap-server " + broker.bootstrapServers()
                            + " --config " + config + " ");
            assertThat(log).as("no stack trace, no retry loop").doesNotContain("\tat ", "Exception",
                    "UNKNOWN_TOPIC_OR_PARTITION");
        }
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            assertThat(admin.listTopics().names().get()).as("the worker created nothing")
                    .doesNotContain(t.jobs(), t.results(), t.dlq());
        }
    }

    /** What kcat or a Python client does: the file's lines as UTF-8 strings, keyed by the job id. */
    private static void produceAsAnyClient(String topic, List<String> lines) throws Exception {
        ObjectMapper json = new ObjectMapper();
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(),
                new StringSerializer())) {
            for (String line : lines) {
                producer.send(new ProducerRecord<>(topic, json.readTree(line).path("id").asText(), line)).get();
            }
        }
    }
}
