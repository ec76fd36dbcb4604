package dev.llmbatch.producer;

import dev.llmbatch.core.result.ErrorInfo;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.core.result.Usage;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Results and producers the way a worker writes them, for broker tests. */
final class TestResults {
    private TestResults() {
    }

    static JobResult succeeded(String id, String output) {
        return new JobResult(id, Status.SUCCEEDED, output, "stop", new Usage(10, 1), "swedencentral", "gpt-4o-mini",
                1, 1, 5, 1, null, null, null, null, List.of("swedencentral:200"));
    }

    static JobResult rejected(String id, String code) {
        return new JobResult(id, Status.REJECTED, null, null, Usage.NONE, null, null, 0, 0, 0, 0,
                new ErrorInfo(code, "invalid job", false), null, null, null, List.of());
    }

    /** A transactional producer, initialised, like the worker's result emitter. */
    static KafkaProducer<String, byte[]> transactionalProducer(String bootstrap) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "test-results-" + UUID.randomUUID());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p);
        producer.initTransactions();
        return producer;
    }
}
