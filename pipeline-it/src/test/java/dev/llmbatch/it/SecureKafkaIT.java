package dev.llmbatch.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmbatch.core.job.Job;
import dev.llmbatch.core.job.JobCodec;
import dev.llmbatch.core.json.Json;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.ResultCodec;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.kafka.embedded.EmbeddedKafka;
import dev.llmbatch.producer.StatusCommand;
import dev.llmbatch.producer.SubmitCommand;
import dev.llmbatch.simulator.Simulator;
import dev.llmbatch.simulator.SimulatorConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 12: Kafka with SASL. The embedded broker gets a SASL_PLAINTEXT listener (PLAIN); a worker process reaches it
 * with {@code kafka.properties} whose password comes from its environment through Kafka's {@code config.providers},
 * and {@code submit --command-config} and {@code status --command-config} with a client file whose password comes from
 * a secrets file the same way. 1,000 jobs go through; wrong credentials give one clear line naming the setting.
 */
class SecureKafkaIT {
    private static final String USER = "pipeline";
    private static final String PASSWORD = "pipeline-secret-7";
    private static final String SIM = EndToEndIT.SIM;

    static EmbeddedKafka kafka;
    static Cluster cluster;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.start(EmbeddedKafka.Options.builder().saslPlainUser(USER, PASSWORD).build());
        cluster = Cluster.on(new Broker.Embedded(kafka));
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    private static String jaas(String password) {
        return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + USER
                + "\" password=\"" + password + "\";";
    }

    /** A --command-config file whose password is read from {@code secrets} by Kafka's FileConfigProvider. */
    private static Path clientConfig(Path dir, String name, String password) throws Exception {
        Path secrets = dir.resolve(name + "-secrets.properties");
        java.util.Properties s = new java.util.Properties();
        s.setProperty("jaas", jaas(password));
        try (var w = Files.newBufferedWriter(secrets)) {
            s.store(w, null);
        }
        return Files.writeString(dir.resolve(name + ".properties"), String.join("\n",
                "security.protocol=SASL_PLAINTEXT",
                "sasl.mechanism=PLAIN",
                "config.providers=file",
                "config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider",
                "sasl.jaas.config=${file:" + secrets + ":jaas}", ""));
    }

    private static String workerYaml(Simulator sim, Cluster.Topics t) {
        return Cluster.withKafka(Cluster.workerYaml(sim, t, 20, null), t, "properties: {security.protocol: "
                + "SASL_PLAINTEXT, sasl.mechanism: PLAIN, config.providers: env, config.providers.env.class: "
                + "org.apache.kafka.common.config.provider.EnvVarConfigProvider, sasl.jaas.config: '${env:KAFKA_JAAS}'}")
                .replace("BOOT", kafka.saslBootstrapServers());
    }

    @Test
    void saslPlain_workerSubmitAndStatus_runOneThousandJobs() throws Exception {
        Cluster.Topics t = cluster.topics(3);
        Path dir = WorkerProcess.logDir("SecureKafkaIT");
        List<Job> jobs = new ArrayList<>();
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            Job j = Jobs.job("sasl", i);
            jobs.add(j);
            jsonl.append(new String(JobCodec.encode(j), StandardCharsets.UTF_8)).append('\n');
        }
        Path input = Files.writeString(dir.resolve("jobs.jsonl"), jsonl);
        Path output = dir.resolve("results.jsonl");
        Path client = clientConfig(dir, "client", PASSWORD);
        try (Simulator sim = Simulator.start(SimulatorConfig.parse(SIM))) {
            Path config = Files.writeString(dir.resolve("worker.yaml"), workerYaml(sim, t));
            try (WorkerProcess worker = WorkerProcess.start(config, sim, dir.resolve("worker.log"),
                    Map.of("KAFKA_JAAS", jaas(PASSWORD)))) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                int submit = SubmitCommand.run(new String[] {"--bootstrap-server", kafka.saslBootstrapServers(),
                    "--command-config", client.toString(), "--input", input.toString(), "--topic", t.jobs(),
                    "--results-topic", t.results(), "--wait", "--output", output.toString(), "--timeout", "3m"},
                        new PrintStream(out, true, StandardCharsets.UTF_8));
                String report = out.toString(StandardCharsets.UTF_8);
                System.out.println("SecureKafkaIT submit:\n" + report);
                assertThat(submit).as("submit's exit code; report:%n%s%nworker log:%n%s", report, worker.log())
                        .isZero();

                ByteArrayOutputStream statusOut = new ByteArrayOutputStream();
                int status = StatusCommand.run(new String[] {"--bootstrap-server", kafka.saslBootstrapServers(),
                    "--command-config", client.toString(), "--group", t.group(), "--topic", t.jobs(), "--output",
                    "json", "--interval", "500ms"}, new PrintStream(statusOut, true, StandardCharsets.UTF_8));
                String statusText = statusOut.toString(StandardCharsets.UTF_8);
                System.out.println("SecureKafkaIT status: " + statusText);
                assertThat(status).as("status's exit code: %s", statusText).isZero();
                JsonNode last = Json.mapper().readTree(statusText.strip().lines().reduce((a, b) -> b).orElseThrow());
                assertThat(last.path("group").asText()).isEqualTo(t.group());
                assertThat(last.path("backlog_jobs").asLong()).as("backlog after every result").isZero();
                assertThat(worker.log()).doesNotContain(PASSWORD);
            }
        }
        List<JobResult> results = Files.readAllLines(output).stream()
                .map(l -> ResultCodec.decode(l.getBytes(StandardCharsets.UTF_8))).toList();
        Set<String> ids = jobs.stream().map(Job::id).collect(Collectors.toSet());
        assertThat(results).hasSize(1000);
        assertThat(results.stream().map(JobResult::id).collect(Collectors.toSet())).isEqualTo(ids);
        assertThat(results).allSatisfy(r -> assertThat(r.status()).isEqualTo(Status.SUCCEEDED));
    }

    @Test
    void wrongPassword_submitStatusAndWorker_sayWhichSettingToCheck() throws Exception {
        Cluster.Topics t = cluster.topics(1);
        Path dir = WorkerProcess.logDir("SecureKafkaIT-wrong");
        Path client = clientConfig(dir, "wrong", "not-the-password");
        Path input = Files.writeString(dir.resolve("jobs.jsonl"),
                new String(JobCodec.encode(Jobs.job("wrong", 0)), StandardCharsets.UTF_8) + "\n");

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int submit = SubmitCommand.run(new String[] {"--bootstrap-server", kafka.saslBootstrapServers(),
            "--command-config", client.toString(), "--input", input.toString(), "--topic", t.jobs(), "--timeout",
            "30s"}, new PrintStream(out, true, StandardCharsets.UTF_8));
        String submitText = out.toString(StandardCharsets.UTF_8);
        assertThat(submit).as(submitText).isEqualTo(1);
        assertThat(submitText).contains("refused the client's credentials")
                .contains("sasl.jaas.config, sasl.mechanism and security.protocol in --command-config " + client)
                .doesNotContain("not-the-password");

        ByteArrayOutputStream statusOut = new ByteArrayOutputStream();
        int status = StatusCommand.run(new String[] {"--bootstrap-server", kafka.saslBootstrapServers(),
            "--command-config", client.toString(), "--group", t.group(), "--topic", t.jobs()},
                new PrintStream(statusOut, true, StandardCharsets.UTF_8));
        String statusText = statusOut.toString(StandardCharsets.UTF_8);
        assertThat(status).as(statusText).isEqualTo(1);
        assertThat(statusText).contains("refused the client's credentials").contains("--command-config " + client);

        try (Simulator sim = Simulator.start(SimulatorConfig.parse(SIM))) {
            Path config = Files.writeString(dir.resolve("worker.yaml"), workerYaml(sim, t));
            try (WorkerProcess worker = WorkerProcess.start(config, sim, dir.resolve("worker.log"),
                    Map.of("KAFKA_JAAS", jaas("not-the-password")))) {
                assertThat(worker.awaitExit(Duration.ofSeconds(60))).as("worker exits").isTrue();
                assertThat(worker.exitValue()).isEqualTo(2);
                assertThat(worker.log()).contains("config error: kafka.properties: the broker at "
                        + kafka.saslBootstrapServers() + " refused the worker's credentials")
                        .contains("check sasl.jaas.config, sasl.mechanism (PLAIN) and security.protocol "
                                + "(SASL_PLAINTEXT)").doesNotContain("not-the-password");
            }
        }
    }
}
