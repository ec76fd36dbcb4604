package dev.llmbatch.core.offsets;

import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeSet;

/**
 * Tracks, per partition, which consumed offsets still lack a result, so that offsets are committed only up to the
 * highest offset below which every job has its result, although jobs complete out of order.
 *
 * <p>For a partition the committable position is the lowest pending offset, or one past the highest offset seen
 * when nothing is pending. Memory is proportional to the pending offsets, which the worker bounds by pausing intake.
 *
 * <p>Not thread-safe: owned by the thread that polls and commits (the Kafka loop).
 *
 * @param <P> the partition type (a Kafka TopicPartition in the worker; anything with equals/hashCode in tests)
 */
public final class OffsetTracker<P> {
    private final Map<P, PartitionState> partitions = new HashMap<>();
    private int pending;

    /** Records that {@code offset} was handed out for processing. Offsets of a partition arrive in order. */
    public void track(P partition, long offset) {
        PartitionState s = partitions.computeIfAbsent(partition, p -> new PartitionState());
        if (offset <= s.highestSeen) {
            throw new IllegalArgumentException("offset " + offset + " of " + partition + " is not above "
                    + s.highestSeen);
        }
        s.highestSeen = offset;
        s.pending.add(offset);
        pending++;
    }

    /**
     * Records that {@code offset} has its result. Returns false for an offset that is not pending (a partition that
     * was revoked meanwhile, or a duplicate completion), which the caller must then not publish.
     */
    public boolean complete(P partition, long offset) {
        PartitionState s = partitions.get(partition);
        if (s == null || !s.pending.remove(offset)) {
            return false;
        }
        pending--;
        return true;
    }

    /** Whether {@code offset} of {@code partition} is still waiting for its result. */
    public boolean isPending(P partition, long offset) {
        PartitionState s = partitions.get(partition);
        return s != null && s.pending.contains(offset);
    }

    /**
     * The offset to commit for {@code partition} (the next one to consume after a restart), if it moved since the
     * last {@link #markCommitted}.
     */
    public OptionalLong committable(P partition) {
        PartitionState s = partitions.get(partition);
        if (s == null || s.highestSeen < 0) {
            return OptionalLong.empty();
        }
        long next = s.pending.isEmpty() ? s.highestSeen + 1 : s.pending.first();
        return next > s.committed ? OptionalLong.of(next) : OptionalLong.empty();
    }

    /** All partitions whose committable position moved, with that position. */
    public Map<P, Long> allCommittable() {
        Map<P, Long> out = new HashMap<>();
        for (P p : partitions.keySet()) {
            committable(p).ifPresent(o -> out.put(p, o));
        }
        return out;
    }

    /** Records that {@code offset} was committed for {@code partition}. */
    public void markCommitted(P partition, long offset) {
        PartitionState s = partitions.get(partition);
        if (s != null) {
            s.committed = Math.max(s.committed, offset);
        }
    }

    /** Forgets a partition (revoked or lost); its pending jobs' completions will then be refused. */
    public void remove(P partition) {
        PartitionState s = partitions.remove(partition);
        if (s != null) {
            pending -= s.pending.size();
        }
    }

    /** Jobs handed out and still without a result, over all partitions. */
    public int pendingCount() {
        return pending;
    }

    /** Pending count for one partition. */
    public int pendingCount(P partition) {
        PartitionState s = partitions.get(partition);
        return s == null ? 0 : s.pending.size();
    }

    private static final class PartitionState {
        final TreeSet<Long> pending = new TreeSet<>();
        long highestSeen = -1;
        long committed = -1;
    }
}
