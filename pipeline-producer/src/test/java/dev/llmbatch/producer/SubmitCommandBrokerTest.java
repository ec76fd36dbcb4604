package dev.llmbatch.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.ResultCodec;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.kafka.embedded.EmbeddedKafka;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code submit} against a real broker. */
class SubmitCommandBrokerTest {
    private static EmbeddedKafka kafka;

    @TempDir
    Path dir;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.start();
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

    private static String job(String id) {
        return "{\"id\":\"" + id + "\",\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"review " + id + " \u00e9\"}],\"max_tokens\":5,\"metadata\":{\"row\":1}}";
    }

    /**
     * A file of {@code count} non-blank lines: the 10th, 20th and 30th are bad (file lines 11, 21, 31: a blank line
     * follows the 5th and the 50th).
     */
    private Path jobsFile(String prefix, int count) throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            lines.add(switch (i) {
                case 10 -> "{\"id\":\"" + prefix + "-bad-max\",\"task\":\"sentiment\",\"input\":\"x\",\"max_tokens\":-1}";
                case 20 -> "{\"id\":\"" + prefix + "-broken\",";
                case 30 -> "{\"task\":\"sentiment\",\"input\":\"no id\"}";
                default -> job(prefix + "-" + i);
            });
            if (i == 5 || i == 50) {
                lines.add("   ");
            }
        }
        return Files.write(dir.resolve(prefix + ".jsonl"), lines, StandardCharsets.UTF_8);
    }

    private static List<ConsumerRecord<String, byte[]>> readAll(String topic, int expected) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(c)) {
            List<TopicPartition> parts = new ArrayList<>();
            consumer.partitionsFor(topic).forEach(p -> parts.add(new TopicPartition(topic, p.partition())));
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (records.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            // Anything beyond the expected count would be a duplicate: read once more to be sure there is none.
            consumer.poll(Duration.ofMillis(500)).forEach(records::add);
        }
        return records;
    }

    @Test
    void submit_500LineFile_everyLineConsumedBackWithKeyAndValueIntact() throws IOException {
        kafka.createTopic("sub-jobs", 3);
        Path file = jobsFile("s", 500);

        int exit = SubmitCommand.run(new String[] {"--input", file.toString(), "--bootstrap",
                kafka.bootstrapServers(), "--topic", "sub-jobs"}, out, out);

        assertThat(exit).as(printed()).isZero();
        List<String> fileLines = Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                .filter(l -> !l.isBlank()).toList();
        assertThat(fileLines).hasSize(500);
        Map<String, String> expected = new HashMap<>();
        for (String line : fileLines) {
            expected.put(line, LineCheck.of(line.getBytes(StandardCharsets.UTF_8)).key());
        }
        List<ConsumerRecord<String, byte[]>> records = readAll("sub-jobs", 500);
        assertThat(records).hasSize(500);
        Map<String, String> actual = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            actual.put(new String(r.value(), StandardCharsets.UTF_8), r.key());
        }
        assertThat(actual).containsExactlyInAnyOrderEntriesOf(expected);
        assertThat(actual).containsEntry(job("s-1"), "s-1").containsEntry("{\"id\":\"s-broken\",", null)
                .containsEntry("{\"id\":\"s-bad-max\",\"task\":\"sentiment\",\"input\":\"x\",\"max_tokens\":-1}",
                        "s-bad-max");
        assertThat(printed()).contains("sent 500 lines to sub-jobs", "3 lines are not valid jobs",
                "line 11: invalid_field:", "line 21: invalid_json:", "line 31: missing_id:", "submitted: 500 lines");
    }

    @Test
    void submitWait_workerAnswers_writesOneResultPerIdAndExits0() throws IOException {
        kafka.createTopic("wait-jobs", 2);
        kafka.createTopic("wait-results", 2);
        Path file = jobsFile("w", 40);
        Path output = dir.resolve("results.jsonl");
        int exit;
        EchoWorker worker = new EchoWorker(kafka.bootstrapServers(), "wait-jobs", "wait-results");
        try {
            exit = SubmitCommand.run(new String[] {"--input", file.toString(), "--bootstrap",
                    kafka.bootstrapServers(), "--topic", "wait-jobs", "--results-topic", "wait-results", "--wait",
                    "--output", output.toString(), "--timeout", "60s"}, out, out);
        } finally {
            worker.close();
        }

        assertThat(exit).as(printed()).isZero();
        List<JobResult> results = Files.readAllLines(output, StandardCharsets.UTF_8).stream()
                .map(l -> ResultCodec.decode(l.getBytes(StandardCharsets.UTF_8))).toList();
        // 40 lines: 37 valid, one invalid with an id (rejected), two that only reach the DLQ.
        assertThat(results).hasSize(38);
        assertThat(results).extracting(JobResult::id).doesNotHaveDuplicates().contains("w-1", "w-40", "w-bad-max");
        assertThat(results).filteredOn(r -> r.status() == Status.REJECTED).extracting(JobResult::id)
                .containsExactly("w-bad-max");
        assertThat(results).filteredOn(r -> r.id().equals("w-7")).singleElement()
                .satisfies(r -> assertThat(r.output()).isEqualTo("echo:w-7"));
        assertThat(printed()).contains("(38 results awaited)", "results:   38 of 38 (succeeded 37, failed 0, "
                + "filtered 0, expired 0, rejected 1)");
    }

    @Test
    void submitAndWait_workerAnswers_summaryCountsByStatus() throws IOException {
        kafka.createTopic("api-jobs", 1);
        kafka.createTopic("api-results", 1);
        Path file = jobsFile("a", 25);
        SubmitCommand.Summary summary;
        EchoWorker worker = new EchoWorker(kafka.bootstrapServers(), "api-jobs", "api-results");
        try {
            summary = SubmitCommand.submitAndWait(file, null, kafka.bootstrapServers(), "api-jobs", "api-results",
                    Duration.ofSeconds(60), out);
        } finally {
            worker.close();
        }

        // 25 lines: the 10th is invalid with an id (rejected), the 20th unparseable (DLQ only).
        assertThat(summary.submitted()).isEqualTo(25);
        assertThat(summary.invalidLines()).isEqualTo(2);
        assertThat(summary.awaited()).isEqualTo(24);
        assertThat(summary.resultsByStatus()).containsOnly(Map.entry(Status.SUCCEEDED, 23L),
                Map.entry(Status.REJECTED, 1L));
        assertThat(summary.results()).isEqualTo(24);
        assertThat(summary.elapsed()).isPositive();
        assertThat(summary.jobsPerSecond()).isPositive();
    }

    @Test
    void submitWait_noWorker_exit1NamingTheMissingCount() throws IOException {
        kafka.createTopic("idle-jobs", 1);
        kafka.createTopic("idle-results", 1);
        Path file = Files.write(dir.resolve("idle.jsonl"), List.of(job("i-1"), job("i-2")), StandardCharsets.UTF_8);
        ByteArrayOutputStream results = new ByteArrayOutputStream();

        int exit = SubmitCommand.run(new String[] {"--input", file.toString(), "--bootstrap", kafka.bootstrapServers(),
                "--topic", "idle-jobs", "--results-topic", "idle-results", "--wait", "--timeout", "1s"},
                new PrintStream(results, true, StandardCharsets.UTF_8), out);

        assertThat(exit).isEqualTo(1);
        assertThat(results.size()).isZero();
        assertThat(printed()).contains("timed out after 1s waiting for results: 2 of 2 missing");
    }

    @Test
    void submitAndWait_noWorker_throwsResultTimeout() throws IOException {
        kafka.createTopic("idle2-jobs", 1);
        kafka.createTopic("idle2-results", 1);
        Path file = Files.write(dir.resolve("idle2.jsonl"), List.of(job("j-1")), StandardCharsets.UTF_8);

        assertThatThrownBy(() -> SubmitCommand.submitAndWait(file, null, kafka.bootstrapServers(), "idle2-jobs",
                "idle2-results", Duration.ofMillis(500), out))
                .isInstanceOfSatisfying(ResultTimeoutException.class, e -> {
                    assertThat(e.missing()).isEqualTo(1);
                    assertThat(e.missingExamples()).containsExactly("j-1");
                });
    }

    @Test
    void submitWait_resultsTopicMissing_exit1BeforeSending() throws IOException {
        kafka.createTopic("lonely-jobs", 1);
        Path file = Files.write(dir.resolve("lonely.jsonl"), List.of(job("l-1")), StandardCharsets.UTF_8);

        int exit = SubmitCommand.run(new String[] {"--input", file.toString(), "--bootstrap",
                kafka.bootstrapServers(), "--topic", "lonely-jobs", "--results-topic", "no-such-results", "--wait"},
                out, out);

        assertThat(exit).isEqualTo(1);
        assertThat(printed()).contains("results topic 'no-such-results' does not exist");
        assertThat(readAll("lonely-jobs", 0)).isEmpty();
    }
}
