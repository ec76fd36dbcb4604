package dev.llmbatch.it;

import dev.llmbatch.core.config.ConfigLoader;
import dev.llmbatch.core.config.PipelineConfig;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.ResultCodec;
import dev.llmbatch.kafka.embedded.EmbeddedKafka;
import dev.llmbatch.simulator.Simulator;
import dev.llmbatch.worker.Worker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Test fixture: one real Kafka broker shared by a test class ({@link BrokerChoice} picks Testcontainers' apache/kafka
 * where Docker runs, else the embedded KRaft broker process), fresh topics per test, a worker built from YAML pointed
 * at a running {@link Simulator}, and read_committed readers for results and the DLQ.
 */
final class Cluster implements AutoCloseable {
    static final String KEY_ENV = "IT_SIM_KEY";
    private static Cluster shared;
    final Broker kafka;

    private Cluster(Broker kafka) {
        this.kafka = kafka;
    }

    /**
     * The broker shared by every test class in this JVM (topics are fresh per test, so tests do not see each
     * other's data); stopped when the JVM exits. Tests that stop or kill the broker use {@link #dedicated()}.
     */
    static synchronized Cluster shared() {
        if (shared == null) {
            Cluster c = new Cluster(Broker.start(BrokerChoice.forThisJvm(false)));
            Runtime.getRuntime().addShutdownHook(new Thread(c.kafka::close, "it-kafka-stop"));
            shared = c;
        }
        return shared;
    }

    /** A broker process of its own (always the embedded one), for tests that stop, kill or restart it. */
    static Cluster dedicated() {
        return new Cluster(Broker.start(BrokerChoice.forThisJvm(true)));
    }

    /** The fixture's readers and helpers over a broker the test started itself (e.g. a {@link StandaloneBroker}). */
    static Cluster on(Broker broker) {
        return new Cluster(broker);
    }

    /** The embedded broker process, to stop, kill or restart; only a {@link #dedicated()} cluster has one. */
    EmbeddedKafka embedded() {
        if (kafka instanceof Broker.Embedded e) {
            return e.kafka();
        }
        throw new IllegalStateException("not an embedded broker: " + kafka.describe());
    }

    /** Fresh topic names for one test, created with {@code partitions} partitions. */
    Topics topics(int partitions) {
        String p = "it-" + UUID.randomUUID().toString().substring(0, 8);
        Topics t = new Topics(p + ".jobs", p + ".results", p + ".dlq", p + "-group");
        kafka.createTopic(t.jobs, partitions);
        kafka.createTopic(t.results, partitions);
        kafka.createTopic(t.dlq, 1);
        return t;
    }

    record Topics(String jobs, String results, String dlq, String group) {
    }

    /**
     * A worker config for {@code sim}'s regions (every deployment in priority 1 unless {@code priorities} says
     * otherwise) plus extra YAML for the worker section.
     */
    static String workerYaml(Simulator sim, Topics t, double timeScale, String workerExtra) {
        StringBuilder y = new StringBuilder();
        y.append("kafka: {bootstrap: BOOT, jobs-topic: ").append(t.jobs).append(", results-topic: ").append(t.results)
                .append(", dlq-topic: ").append(t.dlq).append(", group: ").append(t.group).append("}\n");
        y.append("worker:\n  time-scale: ").append(timeScale).append("\n  http: {host: 127.0.0.1, port: 0}\n");
        if (workerExtra != null) {
            workerExtra.lines().forEach(l -> y.append("  ").append(l).append('\n'));
        }
        y.append("models:\n  gpt-4o-mini:\n    encoding: o200k_base\n    context-window: 128000\n"
                + "    max-request-tokens: 1024\n    deployments:\n");
        for (String r : sim.regions()) {
            for (var d : sim.config().region(r).deployments()) {
                y.append("      - {region: ").append(r).append(", endpoint: \"").append(sim.endpoint(r))
                        .append("\", deployment: ").append(d.name()).append(", api-key-env: ").append(KEY_ENV)
                        .append(", tpm: ").append(d.tpm()).append(", rpm: ").append(d.rpm()).append("}\n");
            }
        }
        y.append("""
                tasks:
                  sentiment: {system: "Classify the sentiment of the review as positive, negative or neutral.", max-tokens: 5, batchable: true}
                  translate: {system: "Translate the user's text to English.", max-tokens: 100, batchable: true}
                """);
        return y.toString();
    }

    /**
     * Adds settings to the {@code kafka:} line of a {@link #workerYaml} config, e.g.
     * {@code "transactional-id: w-1, max-poll-records: 50, properties: {session.timeout.ms: '6000'}"}.
     */
    static String withKafka(String yaml, Topics t, String kafkaExtra) {
        String end = "group: " + t.group() + "}";
        if (!yaml.contains(end)) {
            throw new IllegalArgumentException("not a workerYaml config for " + t);
        }
        return yaml.replace(end, "group: " + t.group() + ", " + kafkaExtra + "}");
    }

    /** Writes {@code yaml} (with BOOT replaced by this broker's address) to {@code file}, for a worker process. */
    Path writeConfig(String yaml, Path file) throws java.io.IOException {
        Files.writeString(file, yaml.replace("BOOT", kafka.bootstrapServers()), StandardCharsets.UTF_8);
        return file;
    }

    /** The group's committed offsets (partitions without a commit are absent). */
    Map<TopicPartition, Long> committed(String group) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            Map<TopicPartition, Long> out = new HashMap<>();
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)
                    .forEach((tp, o) -> {
                        if (o != null) {
                            out.put(tp, o.offset());
                        }
                    });
            return out;
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("cannot read the committed offsets of " + group, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Partitions owned by each current member of {@code group} (member id to partition count); empty if none. */
    Map<String, Integer> members(String group) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            Map<String, Integer> out = new HashMap<>();
            admin.describeConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS).get(group).members()
                    .forEach(m -> out.put(m.consumerId(), m.assignment().topicPartitions().size()));
            return out;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.GroupIdNotFoundException) {
                return Map.of(); // no member has joined yet
            }
            throw new AssertionError("cannot describe group " + group, e);
        } catch (TimeoutException e) {
            throw new AssertionError("cannot describe group " + group, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The sum of the group's committed offsets: jobs whose results are committed, when the topic began empty. */
    long committedTotal(String group) {
        return committed(group).values().stream().mapToLong(Long::longValue).sum();
    }

    Worker startWorker(String yaml, Simulator sim) {
        PipelineConfig cfg = ConfigLoader.parse(yaml.replace("BOOT", kafka.bootstrapServers()),
                Map.of(KEY_ENV, sim.config().apiKeys().get(0)));
        return Worker.start(cfg, Map.of(KEY_ENV, sim.config().apiKeys().get(0)));
    }

    /**
     * Sends {@code count} jobs ({@link Jobs#job} numbered from {@code sentBefore}) and waits until the in-process
     * worker has published a result for every job sent so far, so that chunks pace a run.
     */
    List<dev.llmbatch.core.job.Job> sendAndAwait(Worker worker, Topics t, String prefix, int sentBefore,
            int count) {
        List<dev.llmbatch.core.job.Job> chunk = new ArrayList<>(count);
        for (int i = sentBefore; i < sentBefore + count; i++) {
            chunk.add(Jobs.job(prefix, i));
        }
        produce(t.jobs(), Jobs.records(chunk));
        long target = sentBefore + count;
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5))
                .until(() -> worker.metrics().total("llm_results_total") >= target);
        return chunk;
    }

    /** Produces records (key may be null) and waits until the broker has them all. */
    void produce(String topic, List<Map.Entry<String, byte[]>> records) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (Map.Entry<String, byte[]> r : records) {
                producer.send(new ProducerRecord<>(topic,
                        r.getKey() == null ? null : r.getKey().getBytes(StandardCharsets.UTF_8), r.getValue()));
            }
            producer.flush();
        }
    }

    /** Everything on {@code topic} visible to a read_committed consumer, from the beginning to the end. */
    List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        try (KafkaConsumer<byte[], byte[]> c = readCommitted()) {
            List<TopicPartition> tps = assignFromBeginning(c, topic);
            Map<TopicPartition, Long> end = c.endOffsets(tps);
            List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read " + topic + " to its end offsets " + end);
                }
                c.poll(Duration.ofMillis(100)).forEach(out::add);
            }
            return out;
        }
    }

    /** Polls results until {@code done} holds for the id -> results map, or the timeout passes. */
    Map<String, List<JobResult>> awaitResults(String topic, Predicate<Map<String, List<JobResult>>> done,
            Duration timeout) {
        Map<String, List<JobResult>> byId = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> c = readCommitted()) {
            List<TopicPartition> tps = assignFromBeginning(c, topic);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!done.test(byId)) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("timed out after " + timeout + " with " + byId.size() + " ids");
                }
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) {
                    JobResult jr = ResultCodec.decode(r.value());
                    byId.computeIfAbsent(jr.id(), k -> new ArrayList<>()).add(jr);
                }
            }
        }
        return byId;
    }

    static Predicate<Map<String, List<JobResult>>> allOf(Set<String> ids) {
        return m -> m.keySet().containsAll(ids);
    }

    /** Every result on the topic by id, after the worker has stopped (so nothing is left uncommitted). */
    Map<String, List<JobResult>> allResults(String topic) {
        Map<String, List<JobResult>> byId = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : readAll(topic)) {
            JobResult jr = ResultCodec.decode(r.value());
            byId.computeIfAbsent(jr.id(), k -> new ArrayList<>()).add(jr);
        }
        return byId;
    }

    /** Where each record of {@code topic} is, by its UTF-8 key (the job id for jobs): partition and offset. */
    Map<String, TopicPartitionOffset> positionsByKey(String topic) {
        Map<String, TopicPartitionOffset> out = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : readAll(topic)) {
            if (r.key() != null) {
                out.put(new String(r.key(), StandardCharsets.UTF_8),
                        new TopicPartitionOffset(new TopicPartition(r.topic(), r.partition()), r.offset()));
            }
        }
        return out;
    }

    record TopicPartitionOffset(TopicPartition partition, long offset) {
    }

    /**
     * For each id with more than one committed result: where each of them is (partition@offset) and its latency,
     * to tell in a failure message which run of the worker wrote which copy.
     */
    Map<String, List<String>> duplicatePositions(String topic) {
        Map<String, List<String>> byId = new java.util.TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : readAll(topic)) {
            JobResult jr = ResultCodec.decode(r.value());
            byId.computeIfAbsent(jr.id(), k -> new ArrayList<>()).add(r.partition() + "@" + r.offset() + " ("
                    + jr.status().wire() + ", latency_ms " + jr.latencyMs() + ")");
        }
        byId.values().removeIf(l -> l.size() < 2);
        return byId;
    }

    private static List<TopicPartition> assignFromBeginning(KafkaConsumer<byte[], byte[]> c, String topic) {
        List<TopicPartition> tps = new ArrayList<>();
        for (PartitionInfo pi : c.partitionsFor(topic)) {
            tps.add(new TopicPartition(topic, pi.partition()));
        }
        c.assign(tps);
        c.seekToBeginning(tps);
        return tps;
    }

    private KafkaConsumer<byte[], byte[]> readCommitted() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @Override
    public void close() {
        kafka.close();
    }
}
