package dev.llmbatch.producer;

import dev.llmbatch.core.job.DecodeResult;
import dev.llmbatch.core.job.JobCodec;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.ResultCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A stand-in for the worker in broker tests: reads every job from the jobs topic and publishes, in transactions, a
 * {@code succeeded} result ("echo:" + id) for a valid job and a {@code rejected} one for an invalid job with an id.
 * Publishes the first result twice, to check that followers drop duplicates.
 */
final class EchoWorker implements AutoCloseable {
    private final Thread thread;
    private volatile boolean running = true;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    EchoWorker(String bootstrap, String jobsTopic, String resultsTopic) {
        thread = new Thread(() -> {
            try {
                loop(bootstrap, jobsTopic, resultsTopic);
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "echo-worker");
        thread.start();
    }

    private void loop(String bootstrap, String jobsTopic, String resultsTopic) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        boolean duplicated = false;
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(c);
                KafkaProducer<String, byte[]> producer = TestResults.transactionalProducer(bootstrap)) {
            List<TopicPartition> parts = new ArrayList<>();
            consumer.partitionsFor(jobsTopic).forEach(p -> parts.add(new TopicPartition(jobsTopic, p.partition())));
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            while (running) {
                List<JobResult> out = new ArrayList<>();
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    DecodeResult d = JobCodec.decode(r.value());
                    if (d instanceof DecodeResult.Valid v) {
                        out.add(TestResults.succeeded(v.job().id(), "echo:" + v.job().id()));
                    } else if (d instanceof DecodeResult.Invalid inv && inv.id() != null) {
                        out.add(TestResults.rejected(inv.id(), inv.code()));
                    }
                }
                if (out.isEmpty()) {
                    continue;
                }
                if (!duplicated) {
                    out.add(out.get(0));
                    duplicated = true;
                }
                producer.beginTransaction();
                for (JobResult result : out) {
                    producer.send(new ProducerRecord<>(resultsTopic, result.id(), ResultCodec.encode(result)));
                }
                producer.commitTransaction();
            }
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(Duration.ofSeconds(30).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while stopping the echo worker", e);
        }
        if (failure.get() != null) {
            throw new AssertionError("echo worker failed", failure.get());
        }
    }
}
