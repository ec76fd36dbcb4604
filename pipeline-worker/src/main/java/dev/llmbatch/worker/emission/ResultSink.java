package dev.llmbatch.worker.emission;

import dev.llmbatch.core.config.Delivery;
import dev.llmbatch.core.config.KafkaSettings;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.ResultCodec;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Publishes results and DLQ records and commits consumed offsets with them. In exactly-once mode everything between
 * two {@link #commit} calls is one Kafka transaction that also carries the offsets, so a read_committed consumer
 * sees each result once even if the worker dies mid-way; in at-least-once mode the producer is flushed and then the
 * offsets are committed by the consumer.
 *
 * <p>Not thread-safe: used only by the Kafka loop thread (KafkaProducer.send may block on metadata, so it never
 * runs on an event loop).
 */
public final class ResultSink implements AutoCloseable {
    /** DLQ header names. */
    public static final String H_REASON = "dlq.reason";
    public static final String H_MESSAGE = "dlq.message";
    public static final String H_TOPIC = "dlq.source.topic";
    public static final String H_PARTITION = "dlq.source.partition";
    public static final String H_OFFSET = "dlq.source.offset";

    private final KafkaProducer<byte[], byte[]> producer;
    private final boolean transactional;
    private final String resultsTopic;
    private final String dlqTopic;
    private final AtomicReference<Exception> sendFailure = new AtomicReference<>();
    private boolean inTransaction;

    public ResultSink(KafkaSettings k) {
        Properties p = new Properties();
        p.putAll(k.properties());
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, k.bootstrap());
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.CLIENT_ID_CONFIG, k.group() + "-results");
        this.transactional = k.delivery() == Delivery.EXACTLY_ONCE;
        if (transactional) {
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, k.transactionalId() != null ? k.transactionalId()
                    : k.group() + "-" + UUID.randomUUID());
        }
        this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        this.resultsTopic = k.resultsTopic();
        this.dlqTopic = k.dlqTopic();
        if (transactional) {
            producer.initTransactions();
        }
    }

    public void result(JobResult r) {
        send(new ProducerRecord<>(resultsTopic, r.id().getBytes(StandardCharsets.UTF_8), ResultCodec.encode(r)));
    }

    /** The original key and bytes, with headers naming the reason and the source position. */
    public void dlq(ConsumerRecord<byte[], byte[]> source, String reason, String message) {
        RecordHeaders h = new RecordHeaders();
        h.add(H_REASON, reason.getBytes(StandardCharsets.UTF_8));
        h.add(H_MESSAGE, message.getBytes(StandardCharsets.UTF_8));
        h.add(H_TOPIC, source.topic().getBytes(StandardCharsets.UTF_8));
        h.add(H_PARTITION, Integer.toString(source.partition()).getBytes(StandardCharsets.UTF_8));
        h.add(H_OFFSET, Long.toString(source.offset()).getBytes(StandardCharsets.UTF_8));
        send(new ProducerRecord<>(dlqTopic, null, source.key(), source.value(), h));
    }

    private void send(ProducerRecord<byte[], byte[]> rec) {
        if (transactional && !inTransaction) {
            producer.beginTransaction();
            inTransaction = true;
        }
        producer.send(rec, (md, e) -> {
            if (e != null) {
                sendFailure.compareAndSet(null, e);
            }
        });
    }

    /**
     * Makes everything sent so far durable together with {@code offsets}. Throws a KafkaException if that failed;
     * the caller must then {@link #abort} and re-read from the last committed offsets.
     */
    public void commit(Map<TopicPartition, OffsetAndMetadata> offsets, Consumer<byte[], byte[]> consumer) {
        if (transactional) {
            if (!inTransaction && offsets.isEmpty()) {
                return;
            }
            if (!inTransaction) {
                producer.beginTransaction();
                inTransaction = true;
            }
            if (!offsets.isEmpty()) {
                producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
            }
            producer.commitTransaction();
            inTransaction = false;
            sendFailure.set(null);
        } else {
            producer.flush();
            Exception failed = sendFailure.getAndSet(null);
            if (failed != null) {
                throw new KafkaException("a result or DLQ record could not be published", failed);
            }
            if (!offsets.isEmpty()) {
                consumer.commitSync(offsets);
            }
        }
    }

    /** Drops the open transaction, if any. */
    public void abort() {
        if (transactional && inTransaction) {
            try {
                producer.abortTransaction();
            } finally {
                inTransaction = false;
                sendFailure.set(null);
            }
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
