package dev.llmbatch.kafka.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Real producers and consumers against one shared embedded broker. */
class EmbeddedKafkaClientsTest {
  private static EmbeddedKafka kafka;

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

  @Test
  void bootstrapServers_freePort_isLoopbackAddressWithThatPort() {
    assertThat(kafka.bootstrapServers()).matches("127\\.0\\.0\\.1:\\d+");
    assertThat(kafka.isRunning()).isTrue();
  }

  @Test
  void idempotentProducer_hundredRecordsOnThreePartitions_consumerGetsAllBack() throws Exception {
    kafka.createTopic("roundtrip", 3);

    TestClients.produce(kafka.bootstrapServers(), "roundtrip", "k", 100);
    List<ConsumerRecord<String, String>> records =
        TestClients.consume(kafka.bootstrapServers(), "roundtrip", 100, Map.of());

    assertThat(records).hasSize(100);
    assertThat(records.stream().map(ConsumerRecord::key).collect(Collectors.toSet()))
        .isEqualTo(IntStream.range(0, 100).mapToObj(i -> "k-" + i).collect(Collectors.toSet()));
    assertThat(records.stream().map(ConsumerRecord::partition).collect(Collectors.toSet()))
        .isEqualTo(Set.of(0, 1, 2));
  }

  @Test
  void transactionalProducer_abortThenCommit_readCommittedConsumerSeesOnlyCommitted() {
    kafka.createTopic("tx", 2);
    try (KafkaProducer<String, String> producer = TestClients.producer(kafka.bootstrapServers(),
        Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-test"))) {
      producer.initTransactions();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>("tx", "aborted", "a"));
      producer.flush();
      producer.abortTransaction();
      producer.beginTransaction();
      for (int i = 0; i < 10; i++) {
        producer.send(new ProducerRecord<>("tx", "committed-" + i, "c"));
      }
      producer.commitTransaction();
    }

    // read_uncommitted sees the aborted record too; read_committed only the 10 committed ones.
    List<ConsumerRecord<String, String>> committed = TestClients.consumeToEnd(kafka.bootstrapServers(), "tx",
        Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"));
    List<ConsumerRecord<String, String>> all = TestClients.consumeToEnd(kafka.bootstrapServers(), "tx",
        Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted"));

    assertThat(committed).extracting(ConsumerRecord::key)
        .containsExactlyInAnyOrderElementsOf(IntStream.range(0, 10).mapToObj(i -> "committed-" + i).toList());
    assertThat(all).extracting(ConsumerRecord::key).contains("aborted").hasSize(11);
  }

  @Test
  void createTopic_alreadyExists_isIdempotentAndKeepsPartitions() throws Exception {
    kafka.createTopic("twice", 2);
    kafka.createTopic("twice", 5);

    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      var description = admin.describeTopics(List.of("twice")).allTopicNames().get().get("twice");
      assertThat(description.partitions()).hasSize(2);
    }
  }

  @Test
  void createTopics_severalTopics_allUsableAtOnce() throws Exception {
    kafka.createTopics(Map.of("a.jobs", 4, "a.results", 2, "a.dlq", 1));

    TestClients.produce(kafka.bootstrapServers(), "a.jobs", "j", 8);
    assertThat(TestClients.consume(kafka.bootstrapServers(), "a.jobs", 8, Map.of())).hasSize(8);
  }
}
