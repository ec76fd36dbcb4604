package dev.llmbatch.worker.intake;

import dev.llmbatch.core.config.KafkaSettings;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.ResultCodec;
import dev.llmbatch.core.time.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the recent answers back from the results topic at start-up into the {@link Deduplicator}, so that the
 * idempotency window survives a restart as far as the topic's retention allows. Reads, read_committed, the records
 * published within the window, at most the newest {@code max-entries / partitions} per partition, and gives up
 * (keeping what it read) after a time limit, so a huge results topic cannot hold up the start.
 */
final class AnswerHistory {
    private static final Logger LOG = LoggerFactory.getLogger(AnswerHistory.class);
    private static final Duration LIMIT = Duration.ofSeconds(30);

    private AnswerHistory() {
    }

    /** Loads the answers; returns how many records were read. Never throws for broker trouble: it logs and goes on. */
    static long load(KafkaSettings k, Deduplicator dedupe, Duration window, int maxEntries, Clock clock,
            Ticker ticker) {
        if (!dedupe.enabled()) {
            return 0;
        }
        Properties p = new Properties();
        p.putAll(k.properties());
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, k.bootstrap());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, k.group() + "-answers");
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        long read = 0;
        long started = ticker.nanos();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = c.partitionsFor(k.resultsTopic(), LIMIT);
            if (infos == null || infos.isEmpty()) {
                return 0;
            }
            List<TopicPartition> parts = new ArrayList<>();
            Map<TopicPartition, Long> since = new HashMap<>();
            long from = clock.millis() - window.toMillis();
            for (PartitionInfo i : infos) {
                TopicPartition tp = new TopicPartition(i.topic(), i.partition());
                parts.add(tp);
                since.put(tp, from);
            }
            Map<TopicPartition, Long> end = c.endOffsets(parts, LIMIT);
            Map<TopicPartition, OffsetAndTimestamp> start = c.offsetsForTimes(since, LIMIT);
            long perPartition = Math.max(1, (maxEntries + parts.size() - 1) / parts.size());
            Map<TopicPartition, Long> todo = new HashMap<>();
            for (TopicPartition tp : parts) {
                OffsetAndTimestamp s = start.get(tp);
                long e = end.getOrDefault(tp, 0L);
                if (s != null && s.offset() < e) {
                    todo.put(tp, Math.max(s.offset(), e - perPartition));
                }
            }
            if (todo.isEmpty()) {
                return 0;
            }
            c.assign(todo.keySet());
            todo.forEach(c::seek);
            while (!todo.isEmpty() && ticker.nanos() - started < LIMIT.toNanos()) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    read++;
                    remember(dedupe, r);
                }
                todo.keySet().removeIf(tp -> c.position(tp) >= end.get(tp));
            }
            if (!todo.isEmpty()) {
                LOG.warn("read {} recent answers from {} before the time limit; older ones are not deduplicated",
                        read, k.resultsTopic());
            }
        } catch (KafkaException e) {
            LOG.warn("could not read recent answers from {} ({}); deduplication starts empty", k.resultsTopic(),
                    e.toString());
        }
        LOG.info("idempotency: {} recent answers read back from {}", read, k.resultsTopic());
        return read;
    }

    private static void remember(Deduplicator dedupe, ConsumerRecord<byte[], byte[]> r) {
        if (r.value() == null) {
            return;
        }
        try {
            JobResult jr = ResultCodec.decode(r.value());
            dedupe.remember(jr.id(), jr.status(), r.value(), r.timestamp());
        } catch (RuntimeException e) {
            LOG.debug("skipping an undecodable record at {}-{}@{}", r.topic(), r.partition(), r.offset());
        }
    }
}
