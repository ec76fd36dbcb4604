package dev.llmbatch.bench;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The reference for the overhead scenario: a raw Kafka consume -> produce loop on one thread, with the worker's own
 * client settings where they apply (consumer group, max.poll.records 500, read_committed; producer idempotent, acks=all,
 * lz4, 5 ms linger) but no decoding, no HTTP and no transactions; offsets committed asynchronously every 100 ms.
 * Each record's value goes to the same partition of the output topic.
 */
final class Passthrough {
    private Passthrough() {
    }

    /** wallSeconds from the consumer's creation until every copy was acknowledged; first/last append timestamps. */
    /**
     * @param threadCpuSeconds CPU of the loop thread and the producer's network thread, the passthrough's
     *                         counterpart of the worker's Kafka loop and result producer threads
     */
    record Result(long records, double wallSeconds, long firstTimestamp, long lastTimestamp,
            double threadCpuSeconds) {
        double steadyPerSecond() {
            return lastTimestamp > firstTimestamp ? (records - 1) * 1000.0 / (lastTimestamp - firstTimestamp) : 0;
        }

        double wallPerSecond() {
            return records / wallSeconds;
        }
    }

    static Result run(String bootstrap, String source, String target, String group, long expected,
            Duration timeout) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "500");
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        AtomicLong acked = new AtomicLong();
        AtomicLong first = new AtomicLong(Long.MAX_VALUE);
        AtomicLong last = new AtomicLong(Long.MIN_VALUE);
        AtomicReference<Exception> failure = new AtomicReference<>();
        ThreadCpu threads = new ThreadCpu();
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                     new ByteArraySerializer())) {
            consumer.subscribe(List.of(source));
            long lastCommit = System.nanoTime();
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            while (acked.get() < expected) {
                if (System.nanoTime() > deadline || failure.get() != null) {
                    throw new IllegalStateException("passthrough copied " + acked.get() + " of " + expected,
                            failure.get());
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(20))) {
                    producer.send(new ProducerRecord<>(target, r.partition(), r.key(), r.value()), (md, e) -> {
                        if (e != null) {
                            failure.compareAndSet(null, e);
                            return;
                        }
                        first.accumulateAndGet(md.timestamp(), Math::min);
                        last.accumulateAndGet(md.timestamp(), Math::max);
                        acked.incrementAndGet();
                    });
                    offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                }
                if (System.nanoTime() - lastCommit > 100_000_000L && !offsets.isEmpty()) {
                    consumer.commitAsync(new HashMap<>(offsets), null);
                    offsets.clear();
                    lastCommit = System.nanoTime();
                }
            }
            double wall = (System.nanoTime() - start) / 1e9;
            consumer.commitSync(offsets);
            // before the clients close: a thread that has ended has no CPU time to read
            double cpu = threads.since(List.of(Thread.currentThread().getName(), "kafka-producer-network-thread"))
                    .values().stream().mapToDouble(Double::doubleValue).sum();
            return new Result(expected, wall, first.get(), last.get(), cpu);
        }
    }
}
