package dev.llmbatch.worker.topics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.llmbatch.command.Commands;
import dev.llmbatch.core.config.Delivery;
import dev.llmbatch.core.config.KafkaSettings;
import dev.llmbatch.kafka.embedded.EmbeddedKafka;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** topics create/describe and the worker's start-up check, against a real single-node broker. */
class TopicsBrokerTest {
    private static EmbeddedKafka kafka;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }

    private KafkaSettings settings(String prefix, boolean create) {
        return new KafkaSettings(kafka.bootstrapServers(), prefix + ".jobs", prefix + ".results", prefix + ".dlq",
                prefix + "-group", Delivery.EXACTLY_ONCE, null, Duration.ofMillis(100), 100, 3000, Map.of(), create);
    }

    private Path config(Path dir, String prefix) throws IOException {
        return Files.writeString(dir.resolve(prefix + ".yaml"), """
                kafka: {jobs-topic: %1$s.jobs, results-topic: %1$s.results, dlq-topic: %1$s.dlq}
                models:
                  m:
                    encoding: o200k_base
                    deployments:
                      - {region: r, endpoint: "http://127.0.0.1:1", deployment: d, api-key-env: K, tpm: 1000, rpm: 6}
                """.formatted(prefix));
    }

    private int topics(String... args) {
        TopicsCommand command = new TopicsCommand();
        return Commands.execute(command, args, out, out);
    }

    /** The descriptions, once the broker serves them (it learns of a new topic a moment after its creation). */
    private static Map<String, TopicDescription> describe(String... names) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            return await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> admin.describeTopics(List.of(names)).allTopicNames().get(), d -> true);
        }
    }

    @Test
    void topicsCreate_config_createsThreeTopicsThenDescribeShowsThem(@TempDir Path dir) throws Exception {
        Path config = config(dir, "tc");

        assertThat(topics("describe", "--bootstrap-server", kafka.bootstrapServers(), "--config", config.toString()))
                .isEqualTo(1);
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("jobs     tc.jobs MISSING");

        bytes.reset();
        assertThat(topics("create", "--bootstrap-server=" + kafka.bootstrapServers(), "--config", config.toString(),
                "--partitions", "3")).isZero();
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("tc.jobs created: 3 partitions")
                .contains("tc.results created: 3 partitions").contains("tc.dlq created: 1 partitions");
        assertThat(describe("tc.jobs", "tc.results", "tc.dlq")).satisfies(d -> {
            assertThat(d.get("tc.jobs").partitions()).hasSize(3);
            assertThat(d.get("tc.dlq").partitions()).hasSize(1);
        });

        bytes.reset();
        assertThat(topics("describe", "--bootstrap", kafka.bootstrapServers(), "--config", config.toString()))
                .isZero();
        assertThat(bytes.toString(StandardCharsets.UTF_8))
                .contains("dlq      tc.dlq partitions=1 replication=1 cleanup.policy=delete retention.ms=2592000000 "
                        + "max.message.bytes=8388608");

        bytes.reset();
        assertThat(topics("create", "--bootstrap-server", kafka.bootstrapServers(), "--config", config.toString()))
                .isZero();
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("tc.jobs exists, left as it is");
    }

    @Test
    void topicsCreate_zeroPartitions_exit2NamingPartitions() {
        assertThat(topics("create", "--bootstrap-server", kafka.bootstrapServers(), "--partitions", "0"))
                .isEqualTo(2);
        assertThat(bytes.toString(StandardCharsets.UTF_8)).startsWith("topics create: --partitions must be >= 1");
    }

    @Test
    void topics_noSubcommand_exit2WithUsage() {
        assertThat(topics()).isEqualTo(2);
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("create").contains("describe");
    }

    @Test
    void ensure_topicMissingAndNoCreate_failsNamingTopicAndCommand() throws Exception {
        kafka.createTopics(Map.of("fc.jobs", 1, "fc.dlq", 1));

        assertThatThrownBy(() -> TopicCheck.ensure(settings("fc", false)))
                .isInstanceOf(MissingTopicsException.class)
                .hasMessage("topic fc.results (results) does not exist at " + kafka.bootstrapServers()
                        + "; create it with: bin/pipeline topics create --bootstrap-server " + kafka.bootstrapServers()
                        + " --config <this worker's config> (or set kafka.create-topics: true to let the worker "
                        + "create them)");
    }

    @Test
    void ensure_topicsMissingAndCreate_createsThem() throws Exception {
        TopicCheck.ensure(settings("cr", true));

        Map<String, TopicDescription> d = describe("cr.jobs", "cr.results", "cr.dlq");
        assertThat(d.get("cr.jobs").partitions()).hasSize(PipelineTopics.DEFAULT_PARTITIONS);
        assertThat(d.get("cr.dlq").partitions()).hasSize(1);
        TopicCheck.ensure(settings("cr", false));
    }

    @Test
    void ensure_unreachableCluster_startsAnyway() {
        KafkaSettings nowhere = settings("nw", false).withBootstrap("127.0.0.1:1");
        Map<String, String> fast = Map.of("default.api.timeout.ms", "1500", "request.timeout.ms", "1000");
        TopicCheck.ensure(new KafkaSettings(nowhere.bootstrap(), "a", "b", "c", "g", Delivery.EXACTLY_ONCE, null,
                Duration.ofMillis(100), 100, 3000, fast, false));
    }
}
