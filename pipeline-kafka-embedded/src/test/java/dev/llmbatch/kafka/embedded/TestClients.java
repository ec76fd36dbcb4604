package dev.llmbatch.kafka.embedded;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Real Kafka clients for the tests: an idempotent producer and a consumer that reads a topic from the start. */
final class TestClients {
  static final Duration CONSUME_TIMEOUT = Duration.ofSeconds(30);

  private TestClients() {}

  static KafkaProducer<String, String> producer(String bootstrap, Map<String, Object> extra) {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    config.putAll(extra);
    return new KafkaProducer<>(config);
  }

  /** Sends {@code count} records keyed {@code prefix-i} and waits for every acknowledgement. */
  static void produce(String bootstrap, String topic, String prefix, int count)
      throws ExecutionException, InterruptedException, TimeoutException {
    try (KafkaProducer<String, String> producer = producer(bootstrap, Map.of())) {
      var acks = new ArrayList<java.util.concurrent.Future<?>>();
      for (int i = 0; i < count; i++) {
        acks.add(producer.send(new ProducerRecord<>(topic, prefix + "-" + i, "value-" + i)));
      }
      for (var ack : acks) {
        ack.get(30, TimeUnit.SECONDS);
      }
    }
  }

  static KafkaConsumer<String, String> consumer(String bootstrap, Map<String, Object> extra) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    config.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    config.putAll(extra);
    return new KafkaConsumer<>(config);
  }

  /**
   * Reads {@code topic} from the beginning in a fresh consumer group until at least {@code expected} records have
   * arrived or {@link #CONSUME_TIMEOUT} has passed, then returns what it got (the caller asserts on it).
   */
  static List<ConsumerRecord<String, String>> consume(String bootstrap, String topic, int expected,
                                                      Map<String, Object> extra) {
    List<ConsumerRecord<String, String>> records = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = consumer(bootstrap, extra)) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + CONSUME_TIMEOUT.toNanos();
      while (records.size() < expected && System.nanoTime() - deadline < 0) {
        consumer.poll(Duration.ofMillis(250)).forEach(records::add);
      }
    }
    return records;
  }

  /**
   * Reads every partition of {@code topic} from the beginning up to the end offsets seen at the start (the last
   * stable offset under read_committed), without a consumer group, and returns what it read.
   */
  static List<ConsumerRecord<String, String>> consumeToEnd(String bootstrap, String topic, Map<String, Object> extra) {
    Map<String, Object> config = new HashMap<>(extra);
    config.put(ConsumerConfig.GROUP_ID_CONFIG, null);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    List<ConsumerRecord<String, String>> records = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = consumer(bootstrap, config)) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long deadline = System.nanoTime() + CONSUME_TIMEOUT.toNanos();
      while (!partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp))) {
        if (System.nanoTime() - deadline > 0) {
          throw new AssertionError("did not reach end offsets " + end + " within " + CONSUME_TIMEOUT);
        }
        consumer.poll(Duration.ofMillis(250)).forEach(records::add);
      }
    }
    return records;
  }
}
