package dev.llmbatch.bench;

import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.ResultCodec;
import dev.llmbatch.producer.JobSubmitter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Kafka plumbing of the benchmark: fast backlog production, result collection, timestamps and group lag. */
public final class BenchKafka {
    private BenchKafka() {
    }

    /** A job submitter tuned for filling a backlog quickly: lz4, 20 ms linger, 256 KB batches. */
    public static JobSubmitter bulkSubmitter(String bootstrap, String topic) {
        return JobSubmitter.builder(bootstrap).topic(topic).maxInFlight(50_000)
                .clientProperties(Map.of("linger.ms", 20, "batch.size", 262_144, "buffer.memory", 128L << 20,
                        "compression.type", "lz4"))
                .build();
    }

    /** Publishes every item and waits until the broker acknowledged all of them. */
    public static void produce(String bootstrap, String topic, List<Workload.Item> items) {
        try (JobSubmitter s = bulkSubmitter(bootstrap, topic)) {
            List<CompletableFuture<Void>> fs = new ArrayList<>(items.size());
            for (Workload.Item i : items) {
                fs.add(s.submitRaw(i.id(), i.value()).toCompletableFuture());
            }
            s.flush();
            CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)).join();
        }
    }

    static Properties consumerProps(String bootstrap, boolean readCommitted) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        return p;
    }

    static List<TopicPartition> partitions(KafkaConsumer<?, ?> c, String topic) {
        List<TopicPartition> tps = new ArrayList<>();
        for (PartitionInfo pi : c.partitionsFor(topic)) {
            tps.add(new TopicPartition(topic, pi.partition()));
        }
        return tps;
    }

    /** Record timestamp (broker append time in this benchmark) of every record on {@code topic}, by key. */
    public static Map<String, Long> timestampsByKey(String bootstrap, String topic, Duration timeout) {
        Map<String, Long> out = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProps(bootstrap, true),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = partitions(c, topic);
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end within " + timeout);
                }
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) {
                    out.put(new String(r.key(), StandardCharsets.UTF_8), r.timestamp());
                }
            }
        }
        return out;
    }

    /** Sum of a group's committed offsets on {@code topic} (jobs it has finished), or 0 before its first commit. */
    public static long committed(Admin admin, String group, String topic) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> m = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        long sum = 0;
        for (Map.Entry<TopicPartition, OffsetAndMetadata> e : m.entrySet()) {
            if (e.getKey().topic().equals(topic) && e.getValue() != null) {
                sum += e.getValue().offset();
            }
        }
        return sum;
    }

    /** Sum of the end offsets of {@code topic}. */
    public static long endOffsets(Admin admin, String topic, int partitions) throws Exception {
        Map<TopicPartition, OffsetSpec> q = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            q.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        long sum = 0;
        for (var v : admin.listOffsets(q).all().get(10, TimeUnit.SECONDS).values()) {
            sum += v.offset();
        }
        return sum;
    }

    public static Admin admin(String bootstrap) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return Admin.create(p);
    }

    /** One result as observed by the benchmark's read_committed consumer. */
    public record Observed(JobResult result, long recordTimestamp, long receivedWallMillis) {
    }

    /**
     * Follows a results topic from its beginning on its own thread (read_committed, as a client would) and keeps the
     * first result per id, the record timestamp and when it became visible here. {@link #awaitCount} waits on a
     * condition, never sleeps.
     */
    public static final class ResultCollector implements AutoCloseable {
        private final Map<String, Observed> byId = new ConcurrentHashMap<>();
        private final AtomicLong records = new AtomicLong();
        private final AtomicLong firstTimestamp = new AtomicLong(Long.MAX_VALUE);
        private final AtomicLong lastTimestamp = new AtomicLong(Long.MIN_VALUE);
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition changed = lock.newCondition();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final Thread thread;
        private final Consumer<Observed> listener;
        private final boolean keepResults;
        private volatile boolean stop;

        public ResultCollector(String bootstrap, String topic, boolean keepResults, Consumer<Observed> listener) {
            this.keepResults = keepResults;
            this.listener = listener;
            this.thread = new Thread(() -> run(bootstrap, topic), "bench-results-" + topic);
            thread.setDaemon(true);
            thread.start();
        }

        private void run(String bootstrap, String topic) {
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProps(bootstrap, true),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                List<TopicPartition> tps = partitions(c, topic);
                c.assign(tps);
                c.seekToBeginning(tps);
                while (!stop) {
                    var batch = c.poll(Duration.ofMillis(20));
                    if (batch.isEmpty()) {
                        continue;
                    }
                    long now = System.currentTimeMillis();
                    for (ConsumerRecord<byte[], byte[]> r : batch) {
                        records.incrementAndGet();
                        firstTimestamp.accumulateAndGet(r.timestamp(), Math::min);
                        lastTimestamp.accumulateAndGet(r.timestamp(), Math::max);
                        String id = new String(r.key(), StandardCharsets.UTF_8);
                        if (byId.containsKey(id)) {
                            continue;
                        }
                        JobResult jr = keepResults || listener != null ? ResultCodec.decode(r.value()) : null;
                        Observed o = new Observed(keepResults ? jr : null, r.timestamp(), now);
                        byId.put(id, o);
                        if (listener != null) {
                            listener.accept(new Observed(jr, r.timestamp(), now));
                        }
                    }
                    signal();
                }
            } catch (Throwable t) {
                failure.set(t);
                signal();
            }
        }

        private void signal() {
            lock.lock();
            try {
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        /** Waits until {@code n} distinct ids have a result; false on timeout. */
        public boolean awaitCount(int n, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            lock.lock();
            try {
                while (byId.size() < n) {
                    if (failure.get() != null) {
                        throw new IllegalStateException("result collector failed", failure.get());
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    changed.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
                }
                return true;
            } finally {
                lock.unlock();
            }
        }

        public int distinct() {
            return byId.size();
        }

        /** Result records read, duplicates included. */
        public long records() {
            return records.get();
        }

        public Map<String, Observed> byId() {
            return byId;
        }

        public long firstTimestamp() {
            return firstTimestamp.get();
        }

        public long lastTimestamp() {
            return lastTimestamp.get();
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join(10_000);
        }
    }
}
