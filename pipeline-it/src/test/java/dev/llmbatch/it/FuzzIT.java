package dev.llmbatch.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmbatch.core.job.Job;
import dev.llmbatch.core.job.JobCodec;
import dev.llmbatch.core.json.Json;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.simulator.Simulator;
import dev.llmbatch.simulator.SimulatorConfig;
import dev.llmbatch.worker.emission.ResultSink;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.assertj.core.api.SoftAssertions;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 5, bad input in bulk: thousands of random and malformed records (bad JSON, invalid UTF-8, wrong types, missing
 * fields, out-of-range numbers, nulls and tombstones, arrays and scalars, deep nesting, duplicate keys, trailing
 * tokens, huge strings, random bytes) mixed with valid jobs, from a seeded generator so that a failure reproduces
 * ({@code -Dfuzz.seed=N} to try another seed). The worker process never crashes or stalls, keeps answering valid jobs
 * afterwards, and every record gets exactly its outcome: a valid job one {@code succeeded} result, a job past its
 * deadline one {@code expired} result, a record that parses with an id but breaks the contract one {@code rejected}
 * result plus one DLQ record with the same code, and one without a usable id one DLQ record only; each DLQ record
 * carries the original key and bytes and names its source partition and offset, which is how records are matched.
 */
class FuzzIT {
    static Cluster cluster;
    static final long SEED = Long.getLong("fuzz.seed", 20261123L);
    static final int RECORDS = 3000;
    static final JsonNodeFactory F = JsonNodeFactory.instance;

    @BeforeAll
    static void start() {
        cluster = Cluster.shared();
    }

    enum Kind { SUCCEEDED, EXPIRED, REJECTED, DLQ_ONLY }

    /** One record to send and what must come of it; {@code codes} are the acceptable error / DLQ reason codes. */
    record Case(String label, byte[] key, byte[] value, Kind kind, Set<String> codes, String id) {
    }

    /** A case and where it landed on the jobs topic. */
    record Sent(Case c, int partition, long offset) {
    }

    // ---------------------------------------------------------------- generators

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] json(JsonNode n) {
        try {
            return Json.mapper().writeValueAsBytes(n);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode taskJob(String id, Random r) {
        return F.objectNode().put("id", id).put("model", "gpt-4o-mini").put("task", "sentiment")
                .put("input", Jobs.text(r.nextInt(10_000)));
    }

    private static ObjectNode messagesJob(String id, Random r) {
        ObjectNode o = F.objectNode().put("id", id);
        o.putArray("messages").addObject().put("role", "user").put("content", Jobs.text(r.nextInt(10_000)));
        o.put("max_tokens", 20);
        return o;
    }

    private static ObjectNode anyJob(String id, Random r) {
        return r.nextBoolean() ? taskJob(id, r) : messagesJob(id, r);
    }

    private static byte[] keyFor(String id, Random r) {
        int k = r.nextInt(10);
        if (k == 0) {
            return null;
        }
        if (k == 1) {
            byte[] b = new byte[1 + r.nextInt(40)];
            r.nextBytes(b);
            return b;
        }
        return utf8(id);
    }

    private static Case rejected(String label, String id, Random r, JsonNode value, String... codes) {
        return new Case(label, keyFor(id, r), json(value), Kind.REJECTED, Set.of(codes), id);
    }

    private static Case dlq(String label, String id, Random r, byte[] value, String... codes) {
        return new Case(label, keyFor(id, r), value, Kind.DLQ_ONLY, Set.of(codes), null);
    }

    private static String nested(int depth, String leaf) {
        return "[".repeat(depth) + leaf + "]".repeat(depth);
    }

    /** Random words (some multi-byte) up to about {@code bytes} bytes of UTF-8. */
    private static String randomText(Random r, int bytes) {
        StringBuilder sb = new StringBuilder(bytes);
        int size = 0;
        while (true) {
            String w = Jobs.WORDS[r.nextInt(Jobs.WORDS.length)] + ' ';
            int n = w.getBytes(StandardCharsets.UTF_8).length;
            if (size + n > bytes) {
                return sb.toString();
            }
            sb.append(w);
            size += n;
        }
    }

    /** Parses but breaks the contract, with a usable id: a rejected result and a DLQ record. */
    static final List<BiFunction<String, Random, Case>> REJECTED = List.of(
        (id, r) -> rejected("messages-not-array", id, r, messagesJob(id, r).put("messages", "hello"),
                "invalid_field"),
        (id, r) -> {
            ObjectNode o = F.objectNode().put("id", id);
            o.putArray("messages");
            return rejected("messages-empty", id, r, o, "missing_prompt");
        },
        (id, r) -> {
            ObjectNode o = messagesJob(id, r);
            ((ObjectNode) o.get("messages").get(0)).put("role", "robot");
            return rejected("message-bad-role", id, r, o, "invalid_field");
        },
        (id, r) -> {
            ObjectNode o = messagesJob(id, r);
            ((ObjectNode) o.get("messages").get(0)).put("content", 42);
            return rejected("message-content-number", id, r, o, "invalid_field");
        },
        (id, r) -> {
            ObjectNode o = messagesJob(id, r);
            ((ObjectNode) o.get("messages").get(0)).putNull("content");
            return rejected("message-content-null", id, r, o, "invalid_field");
        },
        (id, r) -> {
            ObjectNode o = messagesJob(id, r);
            ((ObjectNode) o.get("messages").get(0)).remove("role");
            return rejected("message-missing-role", id, r, o, "invalid_field");
        },
        (id, r) -> {
            ObjectNode o = messagesJob(id, r);
            ((ObjectNode) o.get("messages").get(0)).put("role", "system");
            return rejected("messages-only-system", id, r, o, "invalid_field");
        },
        (id, r) -> {
            ObjectNode o = messagesJob(id, r);
            ((ArrayNode) o.get("messages")).insertNull(0);
            return rejected("messages-null-item", id, r, o, "invalid_field");
        },
        (id, r) -> {
            ObjectNode o = messagesJob(id, r);
            ((ArrayNode) o.get("messages")).insertArray(0);
            return rejected("messages-array-item", id, r, o, "invalid_field");
        },
        (id, r) -> {
            ObjectNode o = taskJob(id, r);
            o.set("messages", messagesJob(id, r).get("messages"));
            return rejected("task-and-messages", id, r, o, "ambiguous_prompt");
        },
        (id, r) -> rejected("no-prompt", id, r, F.objectNode().put("id", id).put("model", "gpt-4o-mini"),
                "missing_prompt"),
        (id, r) -> {
            ObjectNode o = taskJob(id, r);
            o.remove("input");
            return rejected("task-without-input", id, r, o, "missing_input");
        },
        (id, r) -> {
            ObjectNode o = taskJob(id, r);
            o.putNull("input");
            return rejected("task-null-input", id, r, o, "missing_input");
        },
        (id, r) -> rejected("input-number", id, r, taskJob(id, r).put("input", 7), "invalid_field"),
        (id, r) -> {
            ObjectNode o = anyJob(id, r);
            JsonNode[] bad = {F.numberNode(-5), F.numberNode(0), F.numberNode(1.5), F.textNode("10"),
                F.numberNode(2_147_483_648L), F.booleanNode(true), F.arrayNode(), F.objectNode(),
                F.numberNode(Long.MIN_VALUE)};
            o.remove("max_tokens"); // max_completion_tokens is read only when max_tokens is absent
            o.set(r.nextInt(4) == 0 ? "max_completion_tokens" : "max_tokens", bad[r.nextInt(bad.length)]);
            return rejected("max-tokens-invalid", id, r, o, "invalid_field");
        },
        (id, r) -> rejected("max-tokens-beyond-context", id, r,
                anyJob(id, r).put("max_tokens", 1_000_000_000 + r.nextInt(1_000_000_000)),
                "context_length_exceeded"),
        (id, r) -> rejected("max-tokens-beyond-any-deployment", id, r, anyJob(id, r).put("max_tokens", 127_000),
                "request_too_large"),
        (id, r) -> {
            JsonNode[] bad = {F.numberNode(3), F.numberNode(-1), F.textNode("hot"), F.numberNode(2.0001)};
            return rejected("temperature-invalid", id, r, (ObjectNode) anyJob(id, r).set("temperature",
                    bad[r.nextInt(bad.length)]), "invalid_field");
        },
        (id, r) -> {
            JsonNode[] bad = {F.numberNode(0), F.numberNode(17), F.numberNode(2.5), F.textNode("2")};
            return rejected("n-invalid", id, r, (ObjectNode) anyJob(id, r).set("n", bad[r.nextInt(bad.length)]),
                    "invalid_field");
        },
        (id, r) -> {
            JsonNode[] bad = {F.textNode("urgent"), F.numberNode(5), F.textNode("HIGHEST")};
            return rejected("priority-invalid", id, r, (ObjectNode) anyJob(id, r).set("priority",
                    bad[r.nextInt(bad.length)]), "invalid_field");
        },
        (id, r) -> {
            JsonNode[] bad = {F.textNode("tomorrow"), F.numberNode(12345), F.textNode("2026-13-45T99:00:00Z")};
            return rejected("deadline-invalid", id, r, (ObjectNode) anyJob(id, r).set("deadline",
                    bad[r.nextInt(bad.length)]), "invalid_field");
        },
        (id, r) -> {
            JsonNode[] bad = {F.textNode("json"), F.arrayNode().add(1), F.numberNode(1)};
            return rejected("response-format-invalid", id, r, (ObjectNode) anyJob(id, r).set("response_format",
                    bad[r.nextInt(bad.length)]), "invalid_field");
        },
        (id, r) -> rejected("model-number", id, r, anyJob(id, r).put("model", 5), "invalid_field"),
        (id, r) -> rejected("model-unknown", id, r, anyJob(id, r).put("model", "gpt-9-ultra"), "unknown_model"),
        (id, r) -> rejected("task-unknown", id, r, taskJob(id, r).put("task", "summarise"), "unknown_task"),
        (id, r) -> rejected("task-number", id, r, taskJob(id, r).put("task", 7), "invalid_field"),
        (id, r) -> rejected("submitter-number", id, r, anyJob(id, r).put("submitter", 5), "invalid_field"),
        (id, r) -> rejected("batch-array", id, r, (ObjectNode) anyJob(id, r).set("batch", F.arrayNode()),
                "invalid_field"),
        (id, r) -> rejected("big-input", id, r, taskJob(id, r).put("input", randomText(r, 200_000 + r.nextInt(
                200_000))), "context_length_exceeded", "request_too_large"));

    /** Cannot be read as a job with an id: a DLQ record only. */
    static final List<BiFunction<String, Random, Case>> DLQ_ONLY = List.of(
        (id, r) -> {
            byte[] full = json(anyJob(id, r));
            return dlq("truncated", id, r, Arrays.copyOf(full, 1 + r.nextInt(full.length - 1)), "invalid_json");
        },
        (id, r) -> {
            byte[] b = new byte[1 + r.nextInt(300)];
            r.nextBytes(b);
            return dlq("random-bytes", id, r, b, "invalid_json", "not_an_object");
        },
        (id, r) -> {
            byte[][] bad = {{(byte) 0xC3, 0x28}, {(byte) 0xFF}, {(byte) 0x80}, {(byte) 0xE3, (byte) 0x81},
                {(byte) 0xF0, (byte) 0x9F, (byte) 0x98}, {(byte) 0xFE, (byte) 0xFE}};
            byte[] seq = bad[r.nextInt(bad.length)];
            byte[] head = utf8("{\"id\":\"" + id + "\",\"task\":\"sentiment\",\"input\":\"ok ");
            byte[] tail = utf8(" ok\"}");
            byte[] v = new byte[head.length + seq.length + tail.length];
            System.arraycopy(head, 0, v, 0, head.length);
            System.arraycopy(seq, 0, v, head.length, seq.length);
            System.arraycopy(tail, 0, v, head.length + seq.length, tail.length);
            return dlq("invalid-utf8", id, r, v, "invalid_json");
        },
        (id, r) -> dlq("tombstone", id, r, null, "empty_record"),
        (id, r) -> dlq("empty-value", id, r, new byte[0], "empty_record"),
        (id, r) -> dlq("whitespace-only", id, r, utf8(" \n\t ".repeat(1 + r.nextInt(5))), "invalid_json",
                "not_an_object", "empty_record"),
        (id, r) -> {
            String[] v = {"[1,2,3]", "\"just a string\"", "42", "true", "null", "[]", "-0.5e10",
                "[{\"id\":\"" + id + "\",\"task\":\"sentiment\",\"input\":\"x\"}]"};
            return dlq("not-an-object", id, r, utf8(v[r.nextInt(v.length)]), "not_an_object");
        },
        (id, r) -> {
            String[] v = {"{\"id\":\"" + id + "\",\"id\":\"" + id + "-b\",\"task\":\"sentiment\",\"input\":\"x\"}",
                "{\"id\":\"" + id + "\",\"task\":\"sentiment\",\"input\":\"a\",\"input\":\"b\"}"};
            return dlq("duplicate-keys", id, r, utf8(v[r.nextInt(v.length)]), "invalid_json");
        },
        (id, r) -> {
            String job = new String(json(anyJob(id, r)), StandardCharsets.UTF_8);
            String[] v = {job + " x", job + job, job + ",", job + "}"};
            return dlq("trailing-tokens", id, r, utf8(v[r.nextInt(v.length)]), "invalid_json");
        },
        (id, r) -> {
            String[] v = {"{\"id\":\"" + id + "\",\"task\":\"sentiment\",\"input\":\"x\",\"temperature\":NaN}",
                "{'id':'" + id + "','task':'sentiment','input':'x'}",
                "{id:\"" + id + "\",task:\"sentiment\",input:\"x\"}",
                "{\"id\":\"" + id + "\", /* c */ \"task\":\"sentiment\",\"input\":\"x\"}",
                "{\"id\":\"" + id + "\",\"task\":\"sentiment\",\"input\":\"x\",}",
                "{\"id\":\"" + id + "\",\"task\":\"sentiment\",\"input\":\"unterminated}",
                "{\"id\":\"" + id + "\",\"task\":\"sentiment\",\"input\":\"bad \\q escape\"}",
                "{\"id\":\"" + id + "\",\"task\":\"sentiment\",\"input\":\"raw \u0001 control\"}",
                "{\"id\":\"" + id + "\",\"max_tokens\":0x10,\"task\":\"sentiment\",\"input\":\"x\"}"};
            return dlq("not-json", id, r, utf8(v[r.nextInt(v.length)]), "invalid_json");
        },
        (id, r) -> {
            int depth = r.nextBoolean() ? 64 + r.nextInt(10) : 2_000 + r.nextInt(20_000);
            return dlq("deep-nesting", id, r, utf8("{\"id\":\"" + id + "\",\"task\":\"sentiment\",\"input\":\"x\","
                    + "\"metadata\":" + nested(depth, "1") + "}"), "invalid_json");
        },
        (id, r) -> {
            String[] v = {"{}", "{\"task\":\"sentiment\",\"input\":\"x\"}",
                "{\"id\":null,\"task\":\"sentiment\",\"input\":\"x\"}"};
            return dlq("missing-id", id, r, utf8(v[r.nextInt(v.length)]), "missing_id");
        },
        (id, r) -> {
            JsonNode[] bad = {F.numberNode(123), F.arrayNode().add(id), F.objectNode().put("v", id),
                F.booleanNode(true), F.textNode(""), F.textNode("   "), F.textNode("x".repeat(257))};
            ObjectNode o = anyJob(id, r);
            o.set("id", bad[r.nextInt(bad.length)]);
            return dlq("invalid-id", id, r, json(o), "invalid_id");
        });

    /** Valid, if unusual: one succeeded result. */
    static Case oddButValid(String id, Random r) {
        int k = r.nextInt(6);
        ObjectNode o;
        String label;
        switch (k) {
            case 0 -> {
                o = anyJob(id, r);
                o.put("unknown_field", "ignored").putObject("another").put("x", 1);
                label = "valid-unknown-fields";
            }
            case 1 -> {
                o = anyJob(id, r);
                o.set("metadata", F.objectNode().set("deep", readTree(nested(40, "{\"row\":1}"))));
                label = "valid-nested-metadata";
            }
            case 2 -> {
                o = anyJob(id, r);
                o.put("priority", r.nextBoolean() ? "high" : "low").put("deadline", "2099-01-01T00:00:00Z")
                        .put("temperature", r.nextDouble() * 2).putNull("response_format").putNull("model");
                label = "valid-all-options";
            }
            case 3 -> {
                o = taskJob(id, r).put("input", "日本語のレビュー 😀 \"quoted\" \\ back\\slash\ttab\nnewline ☃ "
                        + r.nextInt());
                label = "valid-unicode-escapes";
            }
            case 4 -> {
                o = F.objectNode().put("id", id);
                ArrayNode m = o.putArray("messages");
                m.addObject().put("role", "developer").put("content", "Answer briefly.");
                m.addObject().put("role", "user").put("content", "Hi");
                m.addObject().put("role", "assistant").put("content", "Hello");
                m.addObject().put("role", "user").put("content", Jobs.text(r.nextInt(1000)));
                o.put("max_completion_tokens", 30);
                label = "valid-conversation";
            }
            default -> {
                o = anyJob(id, r).put("max_tokens", 1);
                label = "valid-max-tokens-1";
            }
        }
        return new Case(label, keyFor(id, r), json(o), Kind.SUCCEEDED, Set.of(), id);
    }

    private static JsonNode readTree(String s) {
        try {
            return Json.mapper().readTree(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The seeded mix: standard jobs, odd-but-valid jobs, expired jobs, rejected and DLQ-only records. */
    static List<Case> generate(Random r, int count, String prefix) {
        List<Case> cases = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String id = prefix + "-" + i;
            int dice = r.nextInt(100);
            if (dice < 40) {
                Job j = Jobs.job(prefix, i);
                cases.add(new Case("valid", keyFor(id, r), JobCodec.encode(j), Kind.SUCCEEDED, Set.of(), id));
            } else if (dice < 45) {
                cases.add(oddButValid(id, r));
            } else if (dice < 47) {
                ObjectNode o = anyJob(id, r).put("deadline", "2020-0" + (1 + r.nextInt(9)) + "-01T00:00:00Z");
                cases.add(new Case("expired", keyFor(id, r), json(o), Kind.EXPIRED, Set.of(), id));
            } else if (dice < 74) {
                cases.add(REJECTED.get(r.nextInt(REJECTED.size())).apply(id, r));
            } else {
                cases.add(DLQ_ONLY.get(r.nextInt(DLQ_ONLY.size())).apply(id, r));
            }
        }
        return cases;
    }

    // ---------------------------------------------------------------- the tests

    @Test
    void thousandsOfSeededRandomAndMalformedRecordsMixedWithJobs_eachGetsItsOutcome_workerNeverStalls()
            throws Exception {
        Random r = new Random(SEED);
        List<Case> cases = generate(r, RECORDS, "fz");
        // A few near the broker's default 1 MB record limit: ~900 KB prompts, far over the context window.
        for (int k = 0; k < 4; k++) {
            String id = "fz-huge-" + k;
            cases.add(r.nextInt(cases.size()), rejected("huge-input-900KB", id, r,
                    taskJob(id, r).put("input", randomText(r, 900_000)), "context_length_exceeded",
                    "request_too_large"));
        }
        run("FuzzIT-mixed", cases, 3, Map.of(), 50);
    }

    /**
     * Records bigger than the clients' default 1 MB request size, on topics configured to take 8 MB (an operator
     * may raise max.message.bytes on the jobs topic): a 2 MB prompt (parses, then rejected as beyond the context
     * window) and 5 MB values (over the worker's 4 MB document limit: record_too_large), between valid jobs. The
     * DLQ topic takes 8 MB too, so the broker can hold the original bytes.
     */
    @Test
    void recordsOfTwoAndFiveMegabytesBetweenJobs_eachGoesToTheDlq_laterJobsAreAnswered() throws Exception {
        Random r = new Random(SEED + 1);
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            String id = "big-" + i;
            if (i % 30 == 10) {
                cases.add(rejected("input-2MB", id, r, taskJob(id, r).put("input", randomText(r, 2_000_000)),
                        "context_length_exceeded"));
            } else if (i % 30 == 20) {
                cases.add(dlq("value-5MB", id, r, json(taskJob(id, r).put("input", randomText(r, 5_000_000))),
                        "record_too_large"));
            } else {
                cases.add(new Case("valid", utf8(id), JobCodec.encode(Jobs.job("big", i)), Kind.SUCCEEDED, Set.of(),
                        id));
            }
        }
        run("FuzzIT-big", cases, 1, Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(8 << 20)), 20);
    }

    /**
     * A jobs topic that takes 8 MB, a DLQ topic with the broker's 1 MB default: the 5 MB record's DLQ copy is cut to
     * what the DLQ takes, says so in its headers (the whole record stays at its source position), and the worker
     * goes on; the transaction is never poisoned by a record the broker would refuse.
     */
    @Test
    void dlqSmallerThanTheRecord_copyIsCutToFitAndSaysSo_workerGoesOn() throws Exception {
        Random r = new Random(SEED + 2);
        Cluster.Topics t = cluster.topics(1);
        alterTopics(Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(8 << 20)), t.jobs());
        Case big = dlq("value-5MB", "cut-0", r, json(taskJob("cut-0", r).put("input", randomText(r, 5_000_000))),
                "record_too_large");
        List<Case> cases = new ArrayList<>(List.of(big));
        Set<String> ids = new java.util.HashSet<>();
        for (int i = 1; i <= 10; i++) {
            Job j = Jobs.job("cut", i);
            ids.add(j.id());
            cases.add(new Case("valid", utf8(j.id()), JobCodec.encode(j), Kind.SUCCEEDED, Set.of(), j.id()));
        }
        produce(t.jobs(), cases);
        try (Simulator sim = Simulator.start(SimulatorConfig.parse(BadInputIT.SIM));
             dev.llmbatch.worker.Worker w = cluster.startWorker(Cluster.workerYaml(sim, t, 20, null), sim)) {
            cluster.awaitResults(t.results(), Cluster.allOf(ids), Duration.ofMinutes(2));
        }
        List<ConsumerRecord<byte[], byte[]>> dlq = cluster.readAll(t.dlq());
        assertThat(dlq).hasSize(1);
        ConsumerRecord<byte[], byte[]> d = dlq.get(0);
        assertThat(header(d, ResultSink.H_REASON)).isEqualTo("record_too_large");
        assertThat(header(d, ResultSink.H_TRUNCATED)).isEqualTo("true");
        assertThat(header(d, ResultSink.H_ORIGINAL_BYTES)).isEqualTo(Integer.toString(big.value().length));
        assertThat(header(d, ResultSink.H_OFFSET)).isEqualTo("0");
        assertThat(d.value().length).isLessThan(1 << 20).isGreaterThan(900_000);
        assertThat(Arrays.equals(d.value(), Arrays.copyOf(big.value(), d.value().length))).as("a prefix of the "
                + "original").isTrue();
    }

    private void run(String name, List<Case> cases, int partitions, Map<String, String> topicConfig, int after)
            throws Exception {
        Path dir = WorkerProcess.logDir(name);
        Cluster.Topics t = cluster.topics(partitions);
        if (!topicConfig.isEmpty()) {
            alterTopics(topicConfig, t.jobs(), t.results(), t.dlq());
        }
        Map<String, Integer> byLabel = new TreeMap<>();
        cases.forEach(c -> byLabel.merge(c.label(), 1, Integer::sum));
        System.out.println(name + ": seed " + SEED + ", " + cases.size() + " records: " + byLabel);

        List<Job> afterJobs = new ArrayList<>();
        for (int i = 0; i < after; i++) {
            afterJobs.add(Jobs.job(name + "-after", i));
        }
        List<String> problems = new ArrayList<>();
        try (Simulator sim = Simulator.start(SimulatorConfig.parse(BadInputIT.SIM))) {
            String yaml = Cluster.withKafka(Cluster.workerYaml(sim, t, 20, null), t,
                    CrashIT.instance(name + "-worker"));
            Path config = cluster.writeConfig(yaml, dir.resolve("worker.yaml"));
            try (WorkerProcess worker = WorkerProcess.start(config, sim, dir.resolve("worker.log"))) {
                List<Sent> sent = produce(t.jobs(), cases);
                Set<String> expectResults = new HashSet<>();
                int expectDlq = 0;
                for (Case c : cases) {
                    if (c.kind() != Kind.DLQ_ONLY) {
                        expectResults.add(c.id());
                    }
                    if (c.kind() == Kind.REJECTED || c.kind() == Kind.DLQ_ONLY) {
                        expectDlq++;
                    }
                }
                int dlqCount = expectDlq;
                long begin = System.nanoTime();
                try {
                    await(name + ": every record's outcome").atMost(Duration.ofMinutes(3))
                            .pollInterval(Duration.ofSeconds(1))
                            .failFast("the worker process exited", () -> !worker.isAlive())
                            .until(() -> cluster.allResults(t.results()).keySet().containsAll(expectResults)
                                    && cluster.readAll(t.dlq()).size() >= dlqCount);
                } catch (ConditionTimeoutException | TerminalFailureException e) {
                    problems.add("not every outcome (" + e.getMessage() + "): " + cluster.allResults(t.results())
                            .size() + " result ids of " + expectResults.size() + ", " + cluster.readAll(t.dlq()).size()
                            + " DLQ records of " + dlqCount);
                }
                System.out.printf("%s: outcomes of %d records in %d ms%n", name, cases.size(),
                        (System.nanoTime() - begin) / 1_000_000);
                Set<String> afterIds = new HashSet<>();
                if (worker.isAlive()) {
                    // Still answering valid jobs afterwards.
                    cluster.produce(t.jobs(), Jobs.records(afterJobs));
                    afterJobs.forEach(j -> afterIds.add(j.id()));
                    try {
                        await(name + ": jobs produced after the bad records answered").atMost(Duration.ofMinutes(1))
                                .pollInterval(Duration.ofMillis(500))
                                .failFast("the worker process exited", () -> !worker.isAlive())
                                .until(() -> cluster.allResults(t.results()).keySet().containsAll(afterIds));
                    } catch (ConditionTimeoutException | TerminalFailureException e) {
                        problems.add("jobs produced after the bad records not answered: " + e.getMessage());
                    }
                }
                if (worker.isAlive()) {
                    assertThat(worker.terminate(Duration.ofSeconds(60))).as("worker exits on SIGTERM").isTrue();
                    assertThat(worker.log()).contains("worker stopped");
                } else {
                    problems.add("the worker process died (exit code " + worker.exitValue() + "): "
                            + worker.log().lines().filter(l -> l.contains("ERROR")).findFirst().orElse("?"));
                }
                for (String fatal : List.of("kafka loop failed", "OutOfMemoryError", "StackOverflowError")) {
                    worker.log().lines().filter(l -> l.contains(fatal)).findFirst()
                            .ifPresent(l -> problems.add("worker log: " + l));
                }
                verify(name, t, sent, afterIds, problems);
            } finally {
                System.out.println(name + ": worker log in " + dir.toAbsolutePath());
            }
        }
    }

    private void verify(String name, Cluster.Topics t, List<Sent> sent, Set<String> afterIds, List<String> problems) {
        Map<String, List<JobResult>> results = cluster.allResults(t.results());
        Map<String, List<ConsumerRecord<byte[], byte[]>>> dlqByPosition = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> d : cluster.readAll(t.dlq())) {
            dlqByPosition.computeIfAbsent(header(d, ResultSink.H_PARTITION) + "@" + header(d, ResultSink.H_OFFSET),
                    k -> new ArrayList<>()).add(d);
        }
        SoftAssertions soft = new SoftAssertions();
        soft.assertThat(problems).as("%s: the worker crashed or stalled", name).isEmpty();
        Set<String> expectedIds = new HashSet<>(afterIds);
        Map<String, Integer> failuresByLabel = new TreeMap<>();
        for (Sent s : sent) {
            Case c = s.c();
            String where = c.label() + " at " + s.partition() + "@" + s.offset();
            List<ConsumerRecord<byte[], byte[]>> dlq = dlqByPosition.remove(s.partition() + "@" + s.offset());
            int errorsBefore = soft.errorsCollected().size();
            if (c.id() != null) {
                expectedIds.add(c.id());
            }
            switch (c.kind()) {
                case SUCCEEDED, EXPIRED -> {
                    List<JobResult> rs = results.getOrDefault(c.id(), List.of());
                    soft.assertThat(rs).as("results of %s (%s)", where, c.id()).hasSize(1);
                    if (rs.size() == 1) {
                        soft.assertThat(rs.get(0).status()).as("status of %s: %s", where, rs.get(0).error())
                                .isEqualTo(c.kind() == Kind.SUCCEEDED ? Status.SUCCEEDED : Status.EXPIRED);
                    }
                    soft.assertThat(dlq).as("DLQ records of %s", where).isNull();
                }
                case REJECTED -> {
                    List<JobResult> rs = results.getOrDefault(c.id(), List.of());
                    soft.assertThat(rs).as("results of %s (%s)", where, c.id()).hasSize(1);
                    String code = null;
                    if (rs.size() == 1) {
                        JobResult jr = rs.get(0);
                        soft.assertThat(jr.status()).as("status of %s", where).isEqualTo(Status.REJECTED);
                        code = jr.error() == null ? null : jr.error().code();
                        soft.assertThat(code).as("error code of %s", where).isIn(c.codes());
                        soft.assertThat(jr.error() != null && jr.error().retryable()).as("retryable %s", where)
                                .isFalse();
                    }
                    checkDlq(soft, where, c, dlq, t, s);
                    if (dlq != null && dlq.size() == 1 && code != null) {
                        soft.assertThat(header(dlq.get(0), ResultSink.H_REASON)).as("DLQ reason = result code, %s",
                                where).isEqualTo(code);
                    }
                }
                case DLQ_ONLY -> checkDlq(soft, where, c, dlq, t, s);
                default -> throw new IllegalStateException();
            }
            if (soft.errorsCollected().size() > errorsBefore) {
                failuresByLabel.merge(c.label(), 1, Integer::sum);
            }
        }
        soft.assertThat(dlqByPosition).as("DLQ records that match no bad record").isEmpty();
        soft.assertThat(results.keySet()).as("result ids").isEqualTo(expectedIds);
        results.forEach((id, rs) -> soft.assertThat(rs).as("results for %s", id).hasSize(1));
        System.out.println(name + ": records with a wrong outcome, by kind: " + failuresByLabel);
        soft.assertAll();
    }

    private static void checkDlq(SoftAssertions soft, String where, Case c, List<ConsumerRecord<byte[], byte[]>> dlq,
            Cluster.Topics t, Sent s) {
        soft.assertThat(dlq).as("DLQ records of %s", where).isNotNull().hasSize(1);
        if (dlq == null || dlq.size() != 1) {
            return;
        }
        ConsumerRecord<byte[], byte[]> d = dlq.get(0);
        soft.assertThat(header(d, ResultSink.H_REASON)).as("DLQ reason of %s", where).isIn(c.codes());
        soft.assertThat(header(d, ResultSink.H_TOPIC)).as("DLQ source topic of %s", where).isEqualTo(t.jobs());
        soft.assertThat(header(d, ResultSink.H_MESSAGE)).as("DLQ message of %s", where).isNotBlank();
        soft.assertThat(d.key()).as("DLQ key of %s", where).isEqualTo(c.key());
        // Compared as a boolean so that a mismatch of a multi-megabyte value does not print it.
        soft.assertThat(Arrays.equals(d.value(), c.value())).as("DLQ keeps the original value of %s (%d bytes, "
                + "DLQ has %s)", where, c.value() == null ? -1 : c.value().length,
                d.value() == null ? "null" : d.value().length + " bytes").isTrue();
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** Sends every case in order with one producer and records where each landed. */
    private List<Sent> produce(String topic, List<Case> cases) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.kafka.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(16 << 20));
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(64L << 20));
        List<Future<RecordMetadata>> futures = new ArrayList<>(cases.size());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (Case c : cases) {
                futures.add(producer.send(new ProducerRecord<>(topic, c.key(), c.value())));
            }
            producer.flush();
            List<Sent> sent = new ArrayList<>(cases.size());
            for (int i = 0; i < cases.size(); i++) {
                RecordMetadata md = futures.get(i).get(60, TimeUnit.SECONDS);
                sent.add(new Sent(cases.get(i), md.partition(), md.offset()));
            }
            return sent;
        }
    }

    private void alterTopics(Map<String, String> config, String... topics) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.kafka.bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            Map<ConfigResource, java.util.Collection<AlterConfigOp>> ops = new HashMap<>();
            for (String topic : topics) {
                List<AlterConfigOp> list = new ArrayList<>();
                config.forEach((k, v) -> list.add(new AlterConfigOp(new ConfigEntry(k, v), AlterConfigOp.OpType.SET)));
                ops.put(new ConfigResource(ConfigResource.Type.TOPIC, topic), list);
            }
            admin.incrementalAlterConfigs(ops).all().get(30, TimeUnit.SECONDS);
        }
    }
}
