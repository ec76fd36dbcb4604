package dev.llmbatch.it;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.testcontainers.kafka.KafkaContainer;

/**
 * Testcontainers' {@code apache/kafka} container, configured like the embedded broker where it matters to the tests
 * (no topic auto-creation, single-replica internal topics, no initial rebalance delay). Thread-safe.
 */
final class ContainerBroker implements Broker {
    private static final Duration TOPIC_TIMEOUT = Duration.ofSeconds(30);
    private final KafkaContainer container;
    private final Admin admin;

    private ContainerBroker(KafkaContainer container) {
        this.container = container;
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, container.getBootstrapServers());
        this.admin = Admin.create(p);
    }

    /** Starts {@code apache/kafka:VERSION}; throws Testcontainers' error when no Docker engine answers. */
    static ContainerBroker start(String kafkaVersion) {
        KafkaContainer c = new KafkaContainer("apache/kafka:" + kafkaVersion)
                .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
                .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
                .withEnv("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1")
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1");
        c.start();
        return new ContainerBroker(c);
    }

    @Override
    public String bootstrapServers() {
        return container.getBootstrapServers();
    }

    @Override
    public synchronized void createTopics(Map<String, Integer> partitionsByTopic) {
        List<NewTopic> topics = partitionsByTopic.entrySet().stream()
                .map(e -> new NewTopic(e.getKey(), e.getValue(), (short) 1)).toList();
        try {
            admin.createTopics(topics).all().get(TOPIC_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new AssertionError("cannot create " + partitionsByTopic.keySet(), e.getCause());
            }
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("creating " + partitionsByTopic.keySet() + " took over " + TOPIC_TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        // ListOffsets succeeds for a partition only once its leader serves it (the same wait as the embedded broker).
        Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
        partitionsByTopic.forEach((name, count) -> {
            for (int i = 0; i < count; i++) {
                partitions.put(new TopicPartition(name, i), OffsetSpec.latest());
            }
        });
        await().atMost(TOPIC_TIMEOUT).ignoreExceptions()
                .until(() -> admin.listOffsets(partitions).all().get(5, TimeUnit.SECONDS) != null);
    }

    @Override
    public String describe() {
        return "Testcontainers " + container.getDockerImageName() + " at " + bootstrapServers();
    }

    @Override
    public synchronized void close() {
        admin.close();
        container.stop();
    }
}
