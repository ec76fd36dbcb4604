package dev.llmbatch.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.job.Job;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.simulator.Simulator;
import dev.llmbatch.simulator.SimulatorConfig;
import dev.llmbatch.worker.Worker;
import dev.llmbatch.worker.emission.ResultSink;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Bad records never stop a partition: each gets a DLQ record, a rejected result or an expired result. */
class BadInputIT {
    static Cluster cluster;
    static final String SIM = """
            time-scale: 20
            api-keys: [it-key]
            regions:
              - name: swedencentral
                latency: {rtt-ms: 5, ttft-ms: 50, tps: 500}
                deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 450000, rpm: 2700}]
              - name: eastus
                latency: {rtt-ms: 5, ttft-ms: 50, tps: 500}
                deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 450000, rpm: 2700}]
            """;

    @BeforeAll
    static void start() {
        cluster = Cluster.shared();
    }


    @Test
    void badRecordsAheadOfGoodOnes_eachGetsDlqOrResult_andLaterRecordsAreProcessed() throws Exception {
        Cluster.Topics t = cluster.topics(1);
        List<Map.Entry<String, byte[]>> records = new ArrayList<>();
        records.add(Jobs.raw("k-malformed", "{\"id\":\"bad-malformed\", \"model\": "));
        records.add(Map.entry("k-utf8", new byte[] {'{', '"', 'i', 'd', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"',
            '}'}));
        records.add(Jobs.raw("k-array", "[1,2,3]"));
        records.add(Jobs.raw("k-noid", "{\"model\":\"gpt-4o-mini\",\"task\":\"sentiment\",\"input\":\"fine\"}"));
        records.add(Jobs.raw("bad-negative", "{\"id\":\"bad-negative\",\"task\":\"sentiment\",\"input\":\"x\","
                + "\"max_tokens\":-5}"));
        records.add(Jobs.raw("bad-types", "{\"id\":\"bad-types\",\"messages\":\"hello\"}"));
        records.add(Jobs.raw("bad-model", "{\"id\":\"bad-model\",\"model\":\"gpt-9-ultra\",\"task\":\"sentiment\","
                + "\"input\":\"x\"}"));
        records.add(Jobs.raw("bad-task", "{\"id\":\"bad-task\",\"task\":\"summarise\",\"input\":\"x\"}"));
        String huge = "lorem ipsum dolor sit amet ".repeat(26_000);
        records.add(Jobs.raw("bad-context", "{\"id\":\"bad-context\",\"messages\":[{\"role\":\"user\",\"content\":\""
                + huge + "\"}],\"max_tokens\":10}"));
        records.add(Jobs.raw("bad-expired", "{\"id\":\"bad-expired\",\"task\":\"sentiment\",\"input\":\"x\","
                + "\"deadline\":\"2020-01-01T00:00:00Z\"}"));
        List<Job> good = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            good.add(Jobs.job("good", i));
        }
        records.addAll(Jobs.records(good));
        Set<String> expectResults = new HashSet<>(List.of("bad-negative", "bad-types", "bad-model", "bad-task",
                "bad-context", "bad-expired"));
        good.forEach(j -> expectResults.add(j.id()));

        try (Simulator sim = Simulator.start(SimulatorConfig.parse(SIM))) {
            try (Worker worker = cluster.startWorker(Cluster.workerYaml(sim, t, 20, null), sim)) {
                cluster.produce(t.jobs(), records);
                cluster.awaitResults(t.results(), Cluster.allOf(expectResults), Duration.ofMinutes(2));
            }
        }
        Map<String, List<JobResult>> results = cluster.allResults(t.results());
        assertThat(results.keySet()).isEqualTo(expectResults);
        results.values().forEach(rs -> assertThat(rs).hasSize(1));
        assertRejected(results, "bad-negative", "invalid_field");
        assertRejected(results, "bad-types", "invalid_field");
        assertRejected(results, "bad-model", "unknown_model");
        assertRejected(results, "bad-task", "unknown_task");
        assertRejected(results, "bad-context", "context_length_exceeded");
        assertThat(results.get("bad-expired").get(0).status()).isEqualTo(Status.EXPIRED);
        good.forEach(j -> assertThat(results.get(j.id()).get(0).status()).isEqualTo(Status.SUCCEEDED));

        Map<String, ConsumerRecord<byte[], byte[]>> dlqByKey = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : cluster.readAll(t.dlq())) {
            dlqByKey.put(new String(r.key(), StandardCharsets.UTF_8), r);
        }
        Map<String, String> expectedReason = Map.of("k-malformed", "invalid_json", "k-utf8", "invalid_json",
                "k-array", "not_an_object", "k-noid", "missing_id", "bad-negative", "invalid_field",
                "bad-types", "invalid_field", "bad-model", "unknown_model", "bad-task", "unknown_task",
                "bad-context", "context_length_exceeded");
        assertThat(dlqByKey.keySet()).isEqualTo(expectedReason.keySet());
        for (int offset = 0; offset < 9; offset++) {
            Map.Entry<String, byte[]> sent = records.get(offset);
            ConsumerRecord<byte[], byte[]> dlq = dlqByKey.get(sent.getKey());
            assertThat(header(dlq, ResultSink.H_REASON)).as("reason for %s", sent.getKey())
                    .isEqualTo(expectedReason.get(sent.getKey()));
            assertThat(dlq.value()).as("original bytes kept").isEqualTo(sent.getValue());
            assertThat(header(dlq, ResultSink.H_TOPIC)).isEqualTo(t.jobs());
            assertThat(header(dlq, ResultSink.H_PARTITION)).isEqualTo("0");
            assertThat(header(dlq, ResultSink.H_OFFSET)).isEqualTo(Integer.toString(offset));
            assertThat(header(dlq, ResultSink.H_MESSAGE)).isNotBlank().doesNotContain("lorem ipsum");
        }
    }

    @Test
    void mixedExampleFile_everyLineGetsItsLabelledOutcome() throws Exception {
        Path file = Path.of("..", "examples", "mixed-with-bad-records.jsonl");
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        Cluster.Topics t = cluster.topics(3);
        List<Map.Entry<String, byte[]>> records = new ArrayList<>();
        for (String line : lines) {
            if (!line.isBlank()) {
                records.add(Map.entry("line", line.getBytes(StandardCharsets.UTF_8)));
            }
        }
        try (Simulator sim = Simulator.start(SimulatorConfig.parse(SIM))) {
            try (Worker worker = cluster.startWorker(Cluster.workerYaml(sim, t, 20, null), sim)) {
                cluster.produce(t.jobs(), records);
                cluster.awaitResults(t.results(), m -> m.size() >= 990 + 32 + 4, Duration.ofMinutes(2));
            }
        }
        Map<String, List<JobResult>> results = cluster.allResults(t.results());
        EnumMap<Status, Integer> byStatus = new EnumMap<>(Status.class);
        results.values().forEach(rs -> {
            assertThat(rs).hasSize(1);
            byStatus.merge(rs.get(0).status(), 1, Integer::sum);
        });
        assertThat(byStatus).containsEntry(Status.SUCCEEDED, 990).containsEntry(Status.REJECTED, 32)
                .containsEntry(Status.EXPIRED, 4).hasSize(3);
        results.forEach((id, rs) -> {
            if (id.startsWith("mix-")) {
                assertThat(rs.get(0).status()).as(id).isEqualTo(Status.SUCCEEDED);
            }
        });
        assertThat(cluster.readAll(t.dlq())).hasSize(23 + 32);
    }

    private static void assertRejected(Map<String, List<JobResult>> results, String id, String code) {
        JobResult r = results.get(id).get(0);
        assertThat(r.status()).as("status of %s", id).isEqualTo(Status.REJECTED);
        assertThat(r.error().code()).as("error code of %s", id).isEqualTo(code);
        assertThat(r.error().retryable()).isFalse();
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

}
