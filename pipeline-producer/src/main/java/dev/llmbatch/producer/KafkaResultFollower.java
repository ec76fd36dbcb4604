package dev.llmbatch.producer;

import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.ResultCodec;
import dev.llmbatch.core.time.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ResultFollower} over one group-less, read_committed {@link KafkaConsumer}. Partitions added to the topic
 * after construction are picked up (from their beginning) every few seconds. Not thread-safe.
 */
final class KafkaResultFollower implements ResultFollower {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaResultFollower.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration PARTITION_REFRESH = Duration.ofSeconds(5);

    private final org.apache.kafka.clients.consumer.Consumer<String, byte[]> consumer;
    private final String topic;
    private final Ticker ticker;
    private final Set<TopicPartition> assigned = new HashSet<>();
    private long lastRefresh;
    private boolean closed;

    KafkaResultFollower(org.apache.kafka.clients.consumer.Consumer<String, byte[]> consumer, String topic,
            boolean fromBeginning, Ticker ticker) {
        this.consumer = consumer;
        this.topic = topic;
        this.ticker = ticker;
        List<TopicPartition> partitions = partitions();
        if (partitions.isEmpty()) {
            consumer.close();
            throw new IllegalStateException("results topic '" + topic + "' does not exist; create it before "
                    + "following results");
        }
        consumer.assign(partitions);
        if (fromBeginning) {
            consumer.seekToBeginning(partitions);
        } else {
            // For a read_committed consumer these are the last stable offsets: a transaction still open now is read
            // once it commits.
            consumer.endOffsets(partitions).forEach(consumer::seek);
        }
        // Resolve the positions now, so "now" means construction time, not the first poll.
        partitions.forEach(consumer::position);
        assigned.addAll(partitions);
        lastRefresh = ticker.nanos();
    }

    static KafkaResultFollower create(String bootstrap, String topic, Map<String, ?> extra, boolean fromBeginning) {
        Objects.requireNonNull(bootstrap, "bootstrap");
        Objects.requireNonNull(topic, "topic");
        return new KafkaResultFollower(new KafkaConsumer<>(consumerProperties(bootstrap, extra)), topic,
                fromBeginning, Ticker.system());
    }

    static Map<String, Object> consumerProperties(String bootstrap, Map<String, ?> extra) {
        Map<String, Object> p = new HashMap<>(extra);
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        // Only reached if retention deleted records under us; reading on beats silently skipping to the end.
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return p;
    }

    @Override
    public void await(Set<String> ids, Consumer<JobResult> onFirstResult, Duration timeout,
            ProgressListener progress) {
        Objects.requireNonNull(onFirstResult, "onFirstResult");
        Objects.requireNonNull(progress, "progress");
        if (closed) {
            throw new IllegalStateException("the follower is closed");
        }
        Set<String> pending = new HashSet<>(ids);
        int total = pending.size();
        long deadline = ticker.nanos() + timeout.toNanos();
        progress.onProgress(0, total);
        while (!pending.isEmpty()) {
            long remaining = deadline - ticker.nanos();
            if (remaining <= 0) {
                throw timedOut(total, pending, timeout);
            }
            maybeRefreshPartitions();
            ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofNanos(Math.min(remaining,
                    POLL.toNanos())));
            for (ConsumerRecord<String, byte[]> record : records) {
                JobResult result = decode(record);
                if (result != null && pending.remove(result.id())) {
                    onFirstResult.accept(result);
                }
            }
            progress.onProgress(total - pending.size(), total);
        }
    }

    private static ResultTimeoutException timedOut(int total, Set<String> pending, Duration timeout) {
        List<String> examples = new ArrayList<>();
        for (String id : pending) {
            if (examples.size() == ResultTimeoutException.MAX_EXAMPLES) {
                break;
            }
            examples.add(id);
        }
        return new ResultTimeoutException(total, pending.size(), examples, timeout);
    }

    private static JobResult decode(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            return null;
        }
        try {
            return ResultCodec.decode(record.value());
        } catch (RuntimeException e) {
            LOG.warn("skipping a record that is not a result at {}-{}@{}: {}", record.topic(), record.partition(),
                    record.offset(), e.toString());
            return null;
        }
    }

    private void maybeRefreshPartitions() {
        long now = ticker.nanos();
        if (now - lastRefresh < PARTITION_REFRESH.toNanos()) {
            return;
        }
        lastRefresh = now;
        List<TopicPartition> added = new ArrayList<>();
        for (TopicPartition tp : partitions()) {
            if (!assigned.contains(tp)) {
                added.add(tp);
            }
        }
        if (!added.isEmpty()) {
            // A partition that did not exist at construction holds only records written after it.
            assigned.addAll(added);
            consumer.assign(new ArrayList<>(assigned));
            consumer.seekToBeginning(added);
            LOG.info("results topic {} grew; now following {} partitions", topic, assigned.size());
        }
    }

    private List<TopicPartition> partitions() {
        List<PartitionInfo> infos = consumer.partitionsFor(topic);
        List<TopicPartition> out = new ArrayList<>();
        if (infos != null) {
            infos.forEach(i -> out.add(new TopicPartition(i.topic(), i.partition())));
        }
        return out;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            consumer.close();
        }
    }
}
