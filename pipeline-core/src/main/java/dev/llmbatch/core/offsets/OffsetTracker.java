package dev.llmbatch.core.offsets;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeSet;

/**
 * Tracks, per partition, which consumed offsets still lack a result, so that offsets are committed only up to the
 * highest offset below which every job has its result, although jobs complete out of order; and which offsets above
 * that position are already answered, so that the commit records them (as {@link CompletedOffsets} in its metadata)
 * and whoever reads the partition next skips them instead of answering them twice.
 *
 * <p>For a partition the commit position is the lowest pending offset, or one past the highest offset seen when
 * nothing is pending. Every offset between the position and the highest offset seen that is not pending counts as
 * completed: it was answered, or the consumer never delivered it (a transaction marker or an aborted record, which
 * no reader will be given either). Memory is proportional to the pending offsets, which the worker bounds by pausing
 * intake, plus the ranges {@link #restore restored} from a commit until the partition is read past them.
 *
 * <p>The encoded set must fit in {@code maxMetadataChars}. Two rules keep it there: a completion that could make it
 * outgrow the bound is refused by {@link #canComplete} until the set shrinks (the caller holds the result back; the
 * lowest pending offset is always accepted, and completing it only shrinks the set), and {@link #intakeBlocked}
 * tells the caller to stop reading a partition while one more record might not fit.
 *
 * <p>Not thread-safe: owned by the thread that polls and commits (the Kafka loop).
 *
 * @param <P> the partition type (a Kafka TopicPartition in the worker; anything with equals/hashCode in tests)
 */
public final class OffsetTracker<P> {
    /** The smallest bound accepted: room for the intake reserve and a few dozen ranges. */
    public static final int MIN_METADATA_CHARS = 256;
    /** What the first range adds besides itself: the range count and the checksum. */
    static final int HEADER_GROWTH = 1 + 4;
    /**
     * Most that tracking one record can add to the binary form: a new range (two varints of at most 9 bytes), one
     * byte for the range count, one for a neighbour's length, and the header if the set was empty; rounded up.
     */
    static final int TRACK_GROWTH = 28;
    /** Room left for a record read in, which may also be completed at once (DLQ, rejected, expired, replayed). */
    static final int INTAKE_RESERVE = 2 * TRACK_GROWTH;

    /** What to commit for a partition: the position and the completed offsets above it, encoded. */
    public record Commit(long offset, String metadata) {
    }

    private final Map<P, PartitionState> partitions = new HashMap<>();
    private final int maxMetadataChars;
    private final int maxBytes;
    private final int resumeBytes;
    private int pending;

    /** @param maxMetadataChars the most characters the commit metadata of one partition may take */
    public OffsetTracker(int maxMetadataChars) {
        if (maxMetadataChars < MIN_METADATA_CHARS) {
            throw new IllegalArgumentException("maxMetadataChars must be >= " + MIN_METADATA_CHARS + ", got "
                    + maxMetadataChars);
        }
        this.maxMetadataChars = maxMetadataChars;
        this.maxBytes = CompletedOffsets.maxBytes(maxMetadataChars);
        // resume well below the pause level, so that a full partition is not paused and resumed at every record
        this.resumeBytes = (maxBytes - INTAKE_RESERVE) * 7 / 8;
    }

    public int maxMetadataChars() {
        return maxMetadataChars;
    }

    /**
     * Records that {@code offset} was read. Offsets of a partition arrive in order. Returns true if the record is
     * work to do (it is now pending), false if a {@link #restore restored} commit says it is already answered: the
     * caller must then skip it, neither processing nor publishing anything for it.
     */
    public boolean track(P partition, long offset) {
        PartitionState s = partitions.computeIfAbsent(partition, p -> new PartitionState());
        if (offset <= s.highestSeen) {
            throw new IllegalArgumentException("offset " + offset + " of " + partition + " is not above "
                    + s.highestSeen);
        }
        s.highestSeen = offset;
        s.changed(TRACK_GROWTH);
        if (s.dropRestoredThrough(offset)) {
            return false;
        }
        s.pending.add(offset);
        pending++;
        return true;
    }

    /**
     * Records that {@code offset} has its result. Returns false for an offset that is not pending (a partition that
     * was revoked meanwhile, or a duplicate completion), which the caller must then not publish. Callers publishing
     * a result check {@link #canComplete} first.
     */
    public boolean complete(P partition, long offset) {
        PartitionState s = partitions.get(partition);
        if (s == null || !s.pending.contains(offset)) {
            return false;
        }
        int growth = completionGrowth(s, offset);
        s.pending.remove(offset);
        s.changed(growth);
        pending--;
        return true;
    }

    /**
     * Whether completing {@code offset} now keeps the partition's metadata within the bound. False means: hold the
     * result back (do not publish it, do not complete the offset) and ask again after other completions; the lowest
     * pending offset is always accepted, so a held result waits at most until the offsets below it are answered.
     * True for an offset that is not pending ({@link #complete} will refuse it).
     */
    public boolean canComplete(P partition, long offset) {
        PartitionState s = partitions.get(partition);
        if (s == null || !s.pending.contains(offset)) {
            return true;
        }
        int growth = completionGrowth(s, offset);
        return growth == 0 || s.upperBytes() + growth <= maxBytes || s.exactBytes() + growth <= maxBytes;
    }

    /**
     * Whether intake for {@code partition} must wait because one more record might not fit in the metadata. Once
     * true it stays true until the metadata has shrunk well below the bound, so that a full partition is not paused
     * and resumed at every record. Never true while nothing of the partition is pending: a record read then cannot
     * grow the metadata, so intake can always go on and the partition cannot stall.
     */
    public boolean intakeBlocked(P partition) {
        PartitionState s = partitions.get(partition);
        if (s == null || s.pending.isEmpty()) {
            if (s != null) {
                s.blocked = false;
            }
            return false;
        }
        if (!s.blocked) {
            s.blocked = s.upperBytes() + INTAKE_RESERVE > maxBytes && s.exactBytes() + INTAKE_RESERVE > maxBytes;
        } else if (s.exactBytes() <= resumeBytes) {
            s.blocked = false;
        }
        return s.blocked;
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
        long next = s.position();
        return next > s.committed ? OptionalLong.of(next) : OptionalLong.empty();
    }

    /** All partitions whose committable position moved, with that position (see {@link #toCommit}). */
    public Map<P, Long> allCommittable() {
        Map<P, Long> out = new HashMap<>();
        for (P p : partitions.keySet()) {
            committable(p).ifPresent(o -> out.put(p, o));
        }
        return out;
    }

    /**
     * Every partition whose position or completed offsets changed since its last {@link #markCommitted(Object,
     * Commit)}, with what to commit. The metadata must go out in the same commit (the same transaction in
     * exactly-once mode) as the results it counts as published.
     */
    public Map<P, Commit> toCommit() {
        Map<P, Commit> out = new HashMap<>();
        partitions.forEach((p, s) -> {
            if (s.highestSeen < 0 && s.committed < 0) {
                return;
            }
            String metadata = s.completed().encode();
            long position = s.position();
            if (position > s.committed || !metadata.equals(s.committedMetadata)) {
                out.put(p, new Commit(position, metadata));
            }
        });
        return out;
    }

    /** Records that {@code offset} was committed for {@code partition}. */
    public void markCommitted(P partition, long offset) {
        PartitionState s = partitions.get(partition);
        if (s != null) {
            s.committed = Math.max(s.committed, offset);
        }
    }

    /** Records that {@code commit} (from {@link #toCommit}) went through for {@code partition}. */
    public void markCommitted(P partition, Commit commit) {
        PartitionState s = partitions.get(partition);
        if (s != null && commit.offset() >= s.committed) {
            s.committed = commit.offset();
            s.committedMetadata = commit.metadata();
        }
    }

    /**
     * Starts {@code partition} afresh from a commit: its position is {@code done.base()}, and the offsets of
     * {@code done} are answered already ({@link #track} reports them as such) and stay in the metadata until the
     * position passes them. Forgets whatever was tracked for the partition before.
     */
    public void restore(P partition, CompletedOffsets done) {
        remove(partition);
        PartitionState s = new PartitionState();
        s.highestSeen = done.base() - 1;
        s.committed = done.base();
        s.committedMetadata = done.encode();
        s.cachedBytes = done.binaryLength();
        for (int i = 0; i < done.rangeCount(); i++) {
            s.restored.add(new long[] {done.start(i), done.end(i)});
        }
        partitions.put(partition, s);
    }

    /** The offsets above the partition's position that are answered (what {@link #toCommit} would encode). */
    public CompletedOffsets completed(P partition) {
        PartitionState s = partitions.get(partition);
        return s == null ? CompletedOffsets.none(0) : s.completed();
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

    /**
     * Most that completing {@code offset} can add to the binary form. The lowest pending offset: nothing (the
     * position moves up and the set loses its head). Any other: it splits a run of pending offsets shorter than the
     * partition's pending count into two around a new one-offset range, so a gap varint, one byte for the length, one
     * for the range count, and the header if the set was empty; merging with a neighbour instead only lengthens that
     * range, by at most a byte.
     */
    static int completionGrowth(PartitionState s, long offset) {
        return offset == s.pending.first() ? 0
                : HEADER_GROWTH + 2 + CompletedOffsets.varintLength(s.pending.size());
    }

    static final class PartitionState {
        final TreeSet<Long> pending = new TreeSet<>();
        /** Answered ranges [start, end) from a restored commit, all above highestSeen, ascending. */
        final ArrayDeque<long[]> restored = new ArrayDeque<>();
        long highestSeen = -1;
        long committed = -1;
        String committedMetadata = "";
        /** Binary length of the set when last computed; with {@link #slack} an upper bound of the current one. */
        int cachedBytes;
        /** Sum of the growth bounds of the changes since {@link #cachedBytes} was computed. */
        int slack;
        boolean dirty;
        boolean blocked;

        long position() {
            return pending.isEmpty() ? highestSeen + 1 : pending.first();
        }

        void changed(int growthBound) {
            slack += growthBound;
            dirty = true;
        }

        int upperBytes() {
            return cachedBytes + slack;
        }

        int exactBytes() {
            if (dirty) {
                cachedBytes = completed().binaryLength();
                slack = 0;
                dirty = false;
            }
            return cachedBytes;
        }

        /** Drops restored ranges up to {@code offset}; returns whether {@code offset} was in one of them. */
        boolean dropRestoredThrough(long offset) {
            while (!restored.isEmpty() && restored.peekFirst()[1] <= offset) {
                restored.pollFirst();
            }
            long[] first = restored.peekFirst();
            if (first == null || first[0] > offset) {
                return false;
            }
            first[0] = offset + 1;
            if (first[0] == first[1]) {
                restored.pollFirst();
            }
            return true;
        }

        CompletedOffsets completed() {
            long base = position();
            CompletedOffsets.Builder b = CompletedOffsets.builder(base);
            long cursor = base;
            for (long p : pending) {
                b.add(cursor, p);
                cursor = p + 1;
            }
            b.add(cursor, highestSeen + 1);
            for (long[] r : restored) {
                b.add(r[0], r[1]);
            }
            return b.build();
        }
    }
}
