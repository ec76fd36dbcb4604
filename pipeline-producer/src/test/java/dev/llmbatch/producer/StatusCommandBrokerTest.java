package dev.llmbatch.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmbatch.core.json.Json;

import dev.llmbatch.core.job.ChatMessage;
import dev.llmbatch.core.job.Job;
import dev.llmbatch.core.job.JobCodec;
import dev.llmbatch.kafka.embedded.EmbeddedKafka;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code status} against a real broker: jobs topic with 3 partitions holding 10, 20 and 5 jobs; group
 * {@code st-workers} committed 4 on partition 0, 20 on partition 1 and nothing on partition 2.
 */
class StatusCommandBrokerTest {
    private static final String TOPIC = "st-jobs";
    private static final String GROUP = "st-workers";
    /** "abcdefgh" = 8 code points -> 2, + 1, + max_tokens 5. */
    private static final long TOKENS_PER_JOB = 8;
    private static EmbeddedKafka kafka;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    @BeforeAll
    static void startBrokerAndCommitSomeOffsets() {
        kafka = EmbeddedKafka.start();
        kafka.createTopic(TOPIC, 3);
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        int[] counts = {10, 20, 5};
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p)) {
            for (int partition = 0; partition < counts.length; partition++) {
                for (int i = 0; i < counts[partition]; i++) {
                    String id = "p" + partition + "-" + i;
                    Job job = Job.ofMessages(id, "gpt-4o-mini", List.of(ChatMessage.user("abcdefgh")), 5);
                    producer.send(new ProducerRecord<>(TOPIC, partition, id, JobCodec.encode(job)));
                }
            }
            producer.flush();
        }
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c)) {
            consumer.commitSync(Map.of(new TopicPartition(TOPIC, 0), new OffsetAndMetadata(4),
                    new TopicPartition(TOPIC, 1), new OffsetAndMetadata(20)));
        }
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    private String printed() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void snapshot_groupCommittedSomeOffsets_lagPerPartitionBacklogAndTokens() {
        StatusCommand.Snapshot s = StatusCommand.snapshot(kafka.bootstrapServers(), GROUP, TOPIC,
                Duration.ofMillis(200));

        assertThat(s.partitions()).containsExactly(
                new StatusCommand.PartitionLag(0, OptionalLong.of(4), 10, 6),
                new StatusCommand.PartitionLag(1, OptionalLong.of(20), 20, 0),
                new StatusCommand.PartitionLag(2, OptionalLong.empty(), 5, 5));
        assertThat(s.backlogJobs()).isEqualTo(11);
        assertThat(s.sampledJobs()).isEqualTo(11);
        assertThat(s.backlogTokens()).hasValue(11 * TOKENS_PER_JOB);
        assertThat(s.jobsPerSecond()).isZero();
        assertThat(s.eta()).isEmpty();
        assertThat(s.interval()).isGreaterThanOrEqualTo(Duration.ofMillis(200));
    }

    @Test
    void run_groupCommittedSomeOffsets_printsTheLagTable() {
        int exit = StatusCommand.run(new String[] {"--bootstrap", kafka.bootstrapServers(), "--group", GROUP,
                "--topic", TOPIC, "--interval", "100ms"}, out);

        assertThat(exit).as(printed()).isZero();
        assertThat(printed().lines().map(l -> l.strip().replaceAll(" +", " ")).toList()).contains(
                "group st-workers (Empty), topic st-jobs",
                "partition committed end lag owner (client id, host, member id)",
                "0 4 10 6 -",
                "1 20 20 0 -",
                "2 - 5 5 -",
                "total 11",
                "backlog: 11 jobs, ~88 tokens (estimate: 8.0 tokens/job over 11 sampled jobs)");
        assertThat(printed()).contains("ETA:     unknown");
    }

    @Test
    void run_unknownGroup_exit1WithClearMessage() {
        int exit = StatusCommand.run(new String[] {"--bootstrap", kafka.bootstrapServers(), "--group", "nobody",
                "--topic", TOPIC, "--interval", "100ms"}, out);

        assertThat(exit).isEqualTo(1);
        assertThat(printed()).startsWith("status: consumer group 'nobody' not found at " + kafka.bootstrapServers())
                .contains(GROUP);
    }

    @Test
    void run_unknownTopic_exit1NamingIt() {
        int exit = StatusCommand.run(new String[] {"--bootstrap", kafka.bootstrapServers(), "--group", GROUP,
                "--topic", "st-nope", "--interval", "100ms"}, out);

        assertThat(exit).isEqualTo(1);
        assertThat(printed()).contains("topic 'st-nope' not found");
    }

    @Test
    void snapshot_unknownGroup_throwsGroupIdNotFound() {
        assertThatThrownBy(() -> StatusCommand.snapshot(kafka.bootstrapServers(), "nobody", TOPIC,
                Duration.ofMillis(100))).isInstanceOf(GroupIdNotFoundException.class);
    }

    @Test
    void run_outputJsonWithAnActiveMember_oneObjectPerReadingWithOwners() throws Exception {
        String group = "st-active";
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, "owner-client");
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c)) {
            consumer.subscribe(List.of(TOPIC));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(100));
                return consumer.assignment().size() == 3;
            });
            consumer.commitSync();

            int exit = StatusCommand.run(new String[] {"--bootstrap-server", kafka.bootstrapServers(), "--group", group,
                    "--topic", TOPIC, "--interval=100ms", "--output", "json"}, out);

            assertThat(exit).as(printed()).isZero();
            List<String> lines = printed().lines().toList();
            assertThat(lines).hasSize(2);
            JsonNode first = Json.mapper().readTree(lines.get(0));
            JsonNode second = Json.mapper().readTree(lines.get(1));
            assertThat(first.get("jobs_per_second").isNull()).isTrue();
            assertThat(first.get("interval_ms").asLong()).isZero();
            assertThat(second.get("interval_ms").asLong()).isGreaterThanOrEqualTo(100);
            assertThat(second.get("jobs_per_second").isNumber()).isTrue();
            assertThat(second.get("group_state").asText()).isEqualTo("Stable");
            assertThat(second.get("partitions")).hasSize(3).allSatisfy(p -> {
                assertThat(p.get("owner").get("client_id").asText()).isEqualTo("owner-client");
                assertThat(p.get("owner").get("member_id").asText()).isNotBlank();
                assertThat(p.get("owner").get("host").asText()).contains("127.0.0.1");
            });
        }
    }

    @Test
    void run_text_firstReadingAtOnceThenOneWithRate() {
        int exit = StatusCommand.run(new String[] {"--bootstrap", kafka.bootstrapServers(), "--group", GROUP,
                "--topic", TOPIC, "--interval", "100ms"}, out);

        assertThat(exit).isZero();
        assertThat(printed()).containsOnlyOnce("rate:    unknown yet (first reading").containsOnlyOnce("(committed "
                + "offsets over");
    }
}
