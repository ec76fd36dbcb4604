package dev.llmbatch.worker.emission;

import dev.llmbatch.core.config.Delivery;
import dev.llmbatch.core.config.KafkaSettings;
import java.util.Objects;
import java.util.Properties;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** The result producer's settings, and the largest record each topic takes. Stateless. */
final class ResultProducers {
    /** Room left under max.request.size for headers, batch and record overhead. */
    static final int RECORD_HEADROOM = 16 * 1024;
    /** max.request.size unless kafka.properties sets it: above the 4 MB a job record may have, plus headroom. */
    static final int MAX_REQUEST_BYTES = 8 * 1024 * 1024;
    /**
     * The producer's transaction timeout unless kafka.properties sets one: as in Kafka Streams, short, so that a
     * worker that dies for good (and whose transactional id is never reused) blocks read_committed readers of the
     * results for seconds, not the client's 60 s default. Transactions here last one commit at most.
     */
    static final String TRANSACTION_TIMEOUT_MS = "10000";

    private ResultProducers() {
    }

    /** Makes producers with {@link #properties}; each call a new one (with the same transactional id). */
    static Supplier<Producer<byte[], byte[]>> factory(KafkaSettings k) {
        Properties p = properties(k);
        return () -> new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    static Properties properties(KafkaSettings k) {
        Properties p = new Properties();
        p.putAll(k.properties());
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, k.bootstrap());
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        // Results leave in bursts (every loop iteration drains all completions), so they batch without waiting; a
        // 5 ms linger only added 5 ms to a lone result's latency.
        p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "1");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.CLIENT_ID_CONFIG, k.group() + "-results");
        if (k.delivery() == Delivery.EXACTLY_ONCE) {
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, Objects.requireNonNull(k.transactionalId(),
                    "transactional id"));
            p.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, TRANSACTION_TIMEOUT_MS);
            // A transaction begun right after a commit meets CONCURRENT_TRANSACTIONS until the coordinator has
            // written the previous commit's markers (a few ms); the client retries after retry.backoff.ms, and
            // Kafka's 100 ms default held the Kafka thread, and every result waiting on it, that long: the
            // latency bench's visible p99 went from 193 ms to 62 ms with 10 ms. Retries still back off
            // exponentially up to retry.backoff.max.ms, so a real outage is not hammered.
            p.putIfAbsent(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, "10");
        }
        // Large enough for the largest record the worker accepts (so its DLQ copy can be whole); what a topic takes
        // is the broker's max.message.bytes, read by maxRecordBytes.
        p.putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(MAX_REQUEST_BYTES));
        return p;
    }

    /** The largest key + value the worker sends to {@code topic}: what the producer and the topic both take. */
    static int maxRecordBytes(KafkaSettings k, String topic) {
        Properties p = properties(k);
        int producerLimit = Integer.parseInt(String.valueOf(p.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG)).trim());
        return Math.min(producerLimit, TopicLimits.maxMessageBytes(p, topic)) - RECORD_HEADROOM;
    }
}
