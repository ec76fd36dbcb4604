package dev.llmbatch.worker.intake;

import dev.llmbatch.worker.emission.ResultSink;
import java.util.Collection;
import java.util.function.IntConsumer;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits what is done before partitions move, forgets revoked partitions (so late completions for them are
 * dropped), restores newly assigned ones from their commits, and drops the open transaction when partitions are lost.
 * Called by the consumer on the Kafka loop thread, inside poll.
 */
final class Rebalance implements ConsumerRebalanceListener {
    private static final Logger LOG = LoggerFactory.getLogger(Rebalance.class);
    private final Consumer<byte[], byte[]> consumer;
    private final ResultSink sink;
    private final PartitionGate gate;
    private final CommitCoordinator commits;
    private final Runnable drainCompletions;
    private final String topic;
    private final IntConsumer totalPartitions;

    Rebalance(Consumer<byte[], byte[]> consumer, ResultSink sink, PartitionGate gate, CommitCoordinator commits,
            Runnable drainCompletions, String topic, IntConsumer totalPartitions) {
        this.consumer = consumer;
        this.sink = sink;
        this.gate = gate;
        this.commits = commits;
        this.drainCompletions = drainCompletions;
        this.topic = topic;
        this.totalPartitions = totalPartitions;
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        if (!sink.isFenced()) {
            drainCompletions.run();
            commits.commit();
        }
        commits.revoked(partitions);
        gate.removed(partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        LOG.info("assigned {} partition(s) of {}", partitions.size(), topic);
        gate.assigned(partitions);
        if (!partitions.isEmpty() && commits.restore(partitions)) {
            partitions.forEach(gate::restored);
        }
        gate.sync();
        var infos = consumer.partitionsFor(topic);
        totalPartitions.accept(infos == null ? 0 : infos.size());
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        // the open transaction may hold results of lost partitions: drop it and redo the rest from the commits
        commits.lost(partitions);
        gate.removed(partitions);
    }
}
