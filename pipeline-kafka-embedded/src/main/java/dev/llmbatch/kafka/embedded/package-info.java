/**
 * Starts a real, single-node Apache Kafka broker (KRaft, combined broker + controller) as a child JVM process, for
 * integration tests and for {@code bin/pipeline kafka} / {@code bin/pipeline local} on machines without Docker.
 *
 * <p>The broker is the genuine {@code kafka.Kafka} server from {@code org.apache.kafka:kafka_2.13}, which is on this
 * module's classpath; nothing is mocked. It runs in its own JVM so that a test can crash it ({@code kill -9}), restart
 * it on the same ports and log directory, and observe what the clients really do. The child exits on its own when
 * its parent JVM goes away (even after {@code kill -9} of the parent), so no orphan brokers hold ports.
 *
 * <p>Entry points: {@link dev.llmbatch.kafka.embedded.EmbeddedKafka} (the launcher, with idempotent topic creation
 * that waits until every partition is served) and {@link dev.llmbatch.kafka.embedded.KafkaCommand} (the
 * command-line broker for development).
 */
package dev.llmbatch.kafka.embedded;
