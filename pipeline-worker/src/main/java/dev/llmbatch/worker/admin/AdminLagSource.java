package dev.llmbatch.worker.admin;

import dev.llmbatch.core.config.KafkaSettings;
import dev.llmbatch.worker.topics.PipelineTopics;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads a group's lag on one topic through its own Admin client: the partitions (describeTopics), the group's
 * committed offsets (listConsumerGroupOffsets) and the read_committed start and end offsets (listOffsets: the
 * records a worker can consume, open transactions excluded). Every call is asynchronous; the callback runs on the
 * Admin client's thread. Thread-safe.
 */
final class AdminLagSource implements ConsumerLag.LagSource {
    private static final ListOffsetsOptions READ_COMMITTED = new ListOffsetsOptions(IsolationLevel.READ_COMMITTED);

    private final Admin admin;
    private final String group;
    private final String topic;

    private AdminLagSource(Admin admin, String group, String topic) {
        this.admin = admin;
        this.group = group;
        this.topic = topic;
    }

    /** A source for the jobs topic and the group of {@code k}, with the worker's own client settings. */
    static AdminLagSource of(KafkaSettings k) {
        Properties p = PipelineTopics.adminProperties(k);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, k.group() + "-lag");
        return new AdminLagSource(Admin.create(p), k.group(), k.jobsTopic());
    }

    @Override
    public void read(ConsumerLag.Callback done) {
        admin.describeTopics(java.util.List.of(topic)).allTopicNames().thenApply(d -> {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            d.get(topic).partitions().forEach(p -> {
                latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest());
                earliest.put(new TopicPartition(topic, p.partition()), OffsetSpec.earliest());
            });
            KafkaFuture<Map<TopicPartition, ListOffsetsResultInfo>> ends = admin.listOffsets(latest, READ_COMMITTED)
                    .all();
            KafkaFuture<Map<TopicPartition, ListOffsetsResultInfo>> starts = admin.listOffsets(earliest,
                    READ_COMMITTED).all();
            KafkaFuture<Map<TopicPartition, OffsetAndMetadata>> commits = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata();
            KafkaFuture.allOf(ends, starts, commits).whenComplete((v, e) -> {
                if (e != null) {
                    done.failed(e);
                    return;
                }
                Map<Integer, Long> committed = new HashMap<>();
                done(commits).forEach((tp, om) -> {
                    if (om != null && tp.topic().equals(topic)) {
                        committed.put(tp.partition(), om.offset());
                    }
                });
                done.offsets(committed, partitionOffsets(done(starts)),
                        partitionOffsets(done(ends)));
            });
            return null;
        }).whenComplete((v, e) -> {
            if (e != null) {
                done.failed(e);
            }
        });
    }

    /** The value of a future known to have completed well. */
    private static <T> T done(KafkaFuture<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    private static Map<Integer, Long> partitionOffsets(Map<TopicPartition, ListOffsetsResultInfo> m) {
        Map<Integer, Long> out = new HashMap<>();
        m.forEach((tp, info) -> out.put(tp.partition(), info.offset()));
        return out;
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
    }
}
