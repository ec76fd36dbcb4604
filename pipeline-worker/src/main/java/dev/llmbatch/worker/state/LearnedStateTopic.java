package dev.llmbatch.worker.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmbatch.core.config.KafkaSettings;
import dev.llmbatch.core.json.Json;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps learned answer lengths across restarts in a compacted topic: key = the instruction's key, value =
 * {@code {"v":1,"state":[...]}} (the decaying-quantile state; see {@code AnswerLengths}). Compaction keeps the newest
 * record per instruction, so the topic stays about as large as the number of instructions; several workers of one
 * group write to the same topic and a starting worker takes the newest state of each instruction, whoever wrote it.
 *
 * <p>This state is an optimisation, never a dependency: if the topic cannot be created or read (ACLs, a broker that
 * refuses), the worker says so once and learns from scratch; it never fails or waits for it. The topic is created by
 * the worker when missing (like Kafka Streams' internal topics): compacted, one partition.
 *
 * <p>Writes go through a small idempotent producer on a thread of its own, so the dispatcher's event loop never
 * blocks on Kafka. Thread-safe.
 */
public final class LearnedStateTopic implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LearnedStateTopic.class);
    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static final int VERSION = 1;

    private final String topic;
    private final KafkaProducer<String, byte[]> producer;
    private final ExecutorService writer;

    private LearnedStateTopic(String topic, KafkaProducer<String, byte[]> producer) {
        this.topic = topic;
        this.producer = producer;
        this.writer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "llm-worker-state");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Makes sure the topic exists and opens a writer for it, or returns null (logged once) when the state cannot be
     * kept there.
     */
    public static LearnedStateTopic open(KafkaSettings k, String topic) {
        if (topic == null || topic.isBlank()) {
            return null;
        }
        try (Admin admin = Admin.create(clientProperties(k, AdminClientConfig.CLIENT_ID_CONFIG, "-state-admin"))) {
            Set<String> names = admin.listTopics().names().get(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            if (!names.contains(topic)) {
                NewTopic t = new NewTopic(topic, java.util.Optional.of(1), java.util.Optional.empty())
                        .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
                try {
                    admin.createTopics(List.of(t)).all().get(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
                    LOG.info("created the compacted topic {} for learned answer lengths", topic);
                } catch (java.util.concurrent.ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.warn("learned answer lengths will not survive a restart: topic {} cannot be used ({}); create it "
                    + "(compacted) or set worker.learning.state-topic: \"\" to silence this", topic, rootMessage(e));
            return null;
        }
        Properties p = clientProperties(k, ProducerConfig.CLIENT_ID_CONFIG, "-state");
        p.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "gzip");
        return new LearnedStateTopic(topic, new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer()));
    }

    /** Reads the newest state of every instruction (at most 10 s); empty when there is none or it cannot be read. */
    public static Map<String, double[]> read(KafkaSettings k, String topic) {
        Map<String, double[]> out = new LinkedHashMap<>();
        if (topic == null || topic.isBlank()) {
            return out;
        }
        Properties p = clientProperties(k, ConsumerConfig.CLIENT_ID_CONFIG, "-state-reader");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        long deadline = System.nanoTime() + LIMIT.toNanos();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = c.partitionsFor(topic, LIMIT);
            if (infos == null || infos.isEmpty()) {
                return out;
            }
            List<TopicPartition> parts = new ArrayList<>();
            infos.forEach(i -> parts.add(new TopicPartition(i.topic(), i.partition())));
            Map<TopicPartition, Long> end = new HashMap<>(c.endOffsets(parts, LIMIT));
            c.assign(parts);
            c.seekToBeginning(parts);
            while (System.nanoTime() - deadline < 0 && !reachedEnd(c, end)) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (r.key() == null) {
                        continue;
                    }
                    if (r.value() == null) {
                        out.remove(r.key());
                        continue;
                    }
                    double[] state = decode(r.value());
                    if (state != null) {
                        out.put(r.key(), state);
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("could not read learned answer lengths from {} ({}); learning from scratch", topic,
                    rootMessage(e));
            out.clear();
        }
        return out;
    }

    private static boolean reachedEnd(KafkaConsumer<?, ?> c, Map<TopicPartition, Long> end) {
        for (var e : end.entrySet()) {
            if (c.position(e.getKey(), LIMIT) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** Writes the states, off the caller's thread. */
    public void write(Map<String, double[]> states) {
        Map<String, double[]> copy = new LinkedHashMap<>(states);
        writer.execute(() -> copy.forEach((key, state) -> producer.send(new ProducerRecord<>(topic, key,
                encode(state)), (md, e) -> {
                    if (e != null) {
                        LOG.warn("could not write learned answer lengths to {}: {}", topic, e.getMessage());
                    }
                })));
    }

    /** Writes what is queued, flushes, and closes. */
    @Override
    public void close() {
        writer.shutdown();
        try {
            if (!writer.awaitTermination(LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
                writer.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(LIMIT);
    }

    static byte[] encode(double[] state) {
        ObjectNode o = Json.mapper().createObjectNode().put("v", VERSION);
        ArrayNode a = o.putArray("state");
        for (double d : state) {
            a.add(d);
        }
        try {
            return Json.mapper().writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode learned state", e);
        }
    }

    /** The state array, or null for a record of another version or shape. */
    static double[] decode(byte[] value) {
        try {
            JsonNode o = Json.mapper().readTree(value);
            JsonNode a = o == null ? null : o.get("state");
            if (o.path("v").asInt() != VERSION || a == null || !a.isArray()) {
                return null;
            }
            double[] out = new double[a.size()];
            for (int i = 0; i < out.length; i++) {
                if (!a.get(i).isNumber()) {
                    return null;
                }
                out[i] = a.get(i).asDouble();
            }
            return out;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static Properties clientProperties(KafkaSettings k, String clientIdKey, String suffix) {
        Properties p = new Properties();
        p.putAll(k.properties());
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, k.bootstrap());
        p.put(clientIdKey, k.group() + suffix);
        return p;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
