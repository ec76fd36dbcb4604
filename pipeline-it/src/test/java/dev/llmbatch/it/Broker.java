package dev.llmbatch.it;

import dev.llmbatch.kafka.embedded.EmbeddedKafka;
import java.util.Map;

/**
 * A real Kafka broker for the integration tests, whichever {@link BrokerChoice} picked: the embedded KRaft broker
 * process or a Testcontainers {@code apache/kafka} container of the same Kafka version as the clients. Topic creation
 * returns once every partition is served. Thread-safe as its implementations are.
 */
interface Broker extends AutoCloseable {

    /**
     * The Kafka version the project builds against (the poms' {@code kafka.version}, of kafka-clients and kafka_2.13),
     * hence the container's tag: failsafe passes it as {@code -Dit.kafka.version}; without it, kafka-clients' own.
     */
    static String kafkaVersion() {
        String v = System.getProperty("it.kafka.version");
        if (v != null && !v.isBlank()) {
            return v;
        }
        try (var in = Broker.class.getResourceAsStream("/kafka/kafka-version.properties")) {
            java.util.Properties p = new java.util.Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (java.io.IOException | NullPointerException e) {
            throw new IllegalStateException("cannot tell the Kafka version: set -Dit.kafka.version", e);
        }
    }

    /** Starts the broker {@code decision} names and logs one line saying which it is and why. */
    static Broker start(BrokerChoice.Decision decision) {
        Broker b = decision.kind() == BrokerChoice.Kind.TESTCONTAINERS ? ContainerBroker.start(kafkaVersion())
                : new Embedded(EmbeddedKafka.start());
        org.slf4j.LoggerFactory.getLogger(Broker.class).info("IT broker: {} ({})", b.describe(), decision.reason());
        return b;
    }

    String bootstrapServers();

    /** Creates the topics (name to partitions) that are missing and waits until every partition is served. */
    void createTopics(Map<String, Integer> partitionsByTopic);

    default void createTopic(String name, int partitions) {
        createTopics(Map.of(name, partitions));
    }

    /** What runs where, for the IT log. */
    String describe();

    @Override
    void close();

    /** The embedded broker process; the only one a test may stop, kill or restart. */
    record Embedded(EmbeddedKafka kafka) implements Broker {
        @Override
        public String bootstrapServers() {
            return kafka.bootstrapServers();
        }

        @Override
        public void createTopics(Map<String, Integer> partitionsByTopic) {
            kafka.createTopics(partitionsByTopic);
        }

        @Override
        public String describe() {
            return "embedded KRaft broker process (kafka_2.13 " + kafkaVersion() + ") at " + bootstrapServers();
        }

        @Override
        public void close() {
            kafka.close();
        }
    }
}
