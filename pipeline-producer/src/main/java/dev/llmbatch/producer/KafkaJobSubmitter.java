package dev.llmbatch.producer;

import dev.llmbatch.core.job.Job;
import dev.llmbatch.core.job.JobCodec;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** {@link JobSubmitter} over one {@link KafkaProducer}; a semaphore bounds the outstanding sends. Thread-safe. */
final class KafkaJobSubmitter implements JobSubmitter {
    private final Producer<String, byte[]> producer;
    private final String topic;
    private final int maxInFlight;
    private final Semaphore inFlight;
    private final AtomicBoolean closed = new AtomicBoolean();

    KafkaJobSubmitter(Producer<String, byte[]> producer, String topic, int maxInFlight) {
        this.producer = Objects.requireNonNull(producer, "producer");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.maxInFlight = maxInFlight;
        this.inFlight = new Semaphore(maxInFlight);
    }

    static KafkaJobSubmitter create(String bootstrap, String topic, Map<String, Object> extra, int maxInFlight) {
        return new KafkaJobSubmitter(new KafkaProducer<>(producerProperties(bootstrap, extra)), topic, maxInFlight);
    }

    static Map<String, Object> producerProperties(String bootstrap, Map<String, Object> extra) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        p.putAll(extra);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return p;
    }

    @Override
    public CompletionStage<Void> submit(Job job) {
        Objects.requireNonNull(job, "job");
        return submitRaw(job.id(), JobCodec.encode(job));
    }

    @Override
    public CompletionStage<Void> submitRaw(String key, byte[] value) {
        Objects.requireNonNull(value, "value");
        if (closed.get()) {
            throw new IllegalStateException("the submitter is closed");
        }
        try {
            inFlight.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        // KafkaProducer.send either calls back or throws; the flag keeps one permit per send even if it did both.
        AtomicBoolean released = new AtomicBoolean();
        try {
            producer.send(new ProducerRecord<>(topic, key, value), (metadata, error) -> {
                if (released.compareAndSet(false, true)) {
                    inFlight.release();
                }
                if (error == null) {
                    done.complete(null);
                } else {
                    done.completeExceptionally(error);
                }
            });
        } catch (RuntimeException e) {
            if (released.compareAndSet(false, true)) {
                inFlight.release();
            }
            done.completeExceptionally(e);
        }
        return done;
    }

    @Override
    public void flush() {
        // KafkaProducer.flush returns only after the callbacks of earlier sends ran, so their stages are complete.
        producer.flush();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            producer.close();
        }
    }

    /** Sends currently outstanding (for tests and diagnostics). */
    int outstanding() {
        return maxInFlight - inFlight.availablePermits();
    }
}
