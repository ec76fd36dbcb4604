package dev.llmbatch.worker.emission;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** DLQ copies of records (header names in {@link ResultSink}). Stateless. */
final class DlqRecords {
    private DlqRecords() {
    }

    /**
     * The original key and bytes, with headers naming the reason and the source position. A record larger than the
     * DLQ topic takes ({@code maxRecordBytes}) is copied cut to fit, with {@code dlq.truncated: true} and
     * {@code dlq.original.bytes}; the whole record stays at its source position.
     */
    static ProducerRecord<byte[], byte[]> of(String dlqTopic, ConsumerRecord<byte[], byte[]> source, String reason,
            String message, int maxRecordBytes) {
        RecordHeaders h = new RecordHeaders();
        byte[] key = source.key();
        byte[] value = source.value();
        int keyBytes = key == null ? 0 : key.length;
        if (value != null && keyBytes + value.length > maxRecordBytes) {
            h.add(ResultSink.H_TRUNCATED, bytes("true"));
            h.add(ResultSink.H_ORIGINAL_BYTES, bytes(Integer.toString(value.length)));
            value = Arrays.copyOf(value, Math.max(0, maxRecordBytes - keyBytes));
        }
        h.add(ResultSink.H_REASON, bytes(reason));
        h.add(ResultSink.H_MESSAGE, bytes(message));
        h.add(ResultSink.H_TOPIC, bytes(source.topic()));
        h.add(ResultSink.H_PARTITION, bytes(Integer.toString(source.partition())));
        h.add(ResultSink.H_OFFSET, bytes(Long.toString(source.offset())));
        return new ProducerRecord<>(dlqTopic, null, key, value, h);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
