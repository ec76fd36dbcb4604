package dev.llmbatch.worker.intake;

import dev.llmbatch.core.config.Delivery;
import dev.llmbatch.core.config.KafkaSettings;
import dev.llmbatch.core.offsets.CompletedOffsets;
import dev.llmbatch.core.offsets.OffsetTracker;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.time.Ticker;
import dev.llmbatch.worker.admin.Metrics;
import dev.llmbatch.worker.emission.Completion;
import dev.llmbatch.worker.emission.ResultSink;
import dev.llmbatch.worker.emission.Ticket;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything between a record's result and its committed offset: the {@link OffsetTracker} (commit only below the
 * lowest job still without a result, the answered ones above it in the commit metadata), the {@link ResultSink},
 * results held while their partition's metadata is full, and the rewind to the committed offsets after a lost
 * transaction. A new generation begins at each rewind; results of older generations are dropped.
 *
 * <p><b>Group commit.</b> In exactly-once mode a transaction is committed as soon as results wait and the previous
 * commit has completed (commits are synchronous on this thread, so that is the next loop turn): a quiet pipeline
 * makes each result visible at once, a busy one gathers what finished during the previous commit into the next.
 * {@code kafka.commit-interval-ms} stays the ceiling for everything else (offsets of skipped records) and is the
 * period in at-least-once mode, where results are visible once sent. All elapsed time is read from the injected
 * {@link Ticker}.
 *
 * <p>Not thread-safe: owned by the Kafka loop thread (counts are readable from any thread).
 */
final class CommitCoordinator {
    private static final Logger LOG = LoggerFactory.getLogger(CommitCoordinator.class);
    private static final Duration READ_COMMITTED_TIMEOUT = Duration.ofSeconds(10);

    private final Consumer<byte[], byte[]> consumer;
    private final ResultSink sink;
    private final Ticker ticker;
    private final Metrics metrics;
    private final boolean groupCommit;
    private final long intervalNanos;
    private final int maxMetadataChars;
    private OffsetTracker<TopicPartition> tracker;
    private final HeldResults held = new HeldResults();
    private long generation;
    private boolean needsRewind;
    private long lastCommitNanos;
    private long stalledSince = -1;
    private volatile int pendingCount;
    private volatile int metadataChars;

    CommitCoordinator(KafkaSettings k, Consumer<byte[], byte[]> consumer, ResultSink sink, Ticker ticker,
            Metrics metrics) {
        this.consumer = consumer;
        this.sink = sink;
        this.ticker = ticker;
        this.metrics = metrics;
        this.groupCommit = k.delivery() == Delivery.EXACTLY_ONCE;
        this.intervalNanos = k.commitInterval().toNanos();
        this.maxMetadataChars = k.commitMetadataMaxChars();
        this.tracker = new OffsetTracker<>(maxMetadataChars);
        this.lastCommitNanos = ticker.nanos();
    }

    long generation() {
        return generation;
    }

    Ticket ticket(ConsumerRecord<?, ?> rec) {
        return new Ticket(rec.topic(), rec.partition(), rec.offset(), generation);
    }

    /** Whether one more record of {@code tp} might not fit in its commit metadata. */
    boolean intakeBlocked(TopicPartition tp) {
        return tracker.intakeBlocked(tp);
    }

    /** Records a record read; false if its partition's last commit records it as answered (skip it). */
    boolean track(TopicPartition tp, long offset) {
        boolean fresh = tracker.track(tp, offset);
        pendingCount = tracker.pendingCount();
        return fresh;
    }

    /** Publishes a result known at intake (replayed, expired, rejected) for the record at {@code t}; it is done. */
    byte[] publishDone(Ticket t, JobResult r) {
        byte[] sent = publish(r);
        done(t);
        return sent;
    }

    /** Publishes a result that answers no record of its own (a rejected result next to its DLQ copy). */
    byte[] publish(JobResult r) {
        byte[] sent = sink.result(r);
        metrics.inc("llm_results_total", "status", r.status().wire());
        return sent;
    }

    void deadLetter(ConsumerRecord<byte[], byte[]> rec, String code, String message) {
        sink.dlq(rec, code, message);
        metrics.inc("llm_dlq_total", "reason", code);
        LOG.debug("record {}-{}@{} to the DLQ: {}", rec.topic(), rec.partition(), rec.offset(), code);
        done(ticket(rec));
    }

    private void done(Ticket t) {
        tracker.complete(new TopicPartition(t.topic(), t.partition()), t.offset());
        pendingCount = tracker.pendingCount();
    }

    /**
     * Publishes {@code r} for the record of {@code t} if that record still waits for it (same generation, not
     * revoked), or holds it while the partition's commit metadata has no room to record it. Returns the bytes
     * published, or null if it was held or dropped.
     */
    byte[] answer(Ticket t, JobResult r) {
        TopicPartition tp = new TopicPartition(t.topic(), t.partition());
        if (t.generation() != generation || !tracker.isPending(tp, t.offset())) {
            metrics.inc("llm_completions_dropped_total");
            return null;
        }
        if (!tracker.canComplete(tp, t.offset())) {
            held.add(new Completion(t, r));
            return null;
        }
        byte[] sent = publish(r);
        tracker.complete(tp, t.offset());
        pendingCount = tracker.pendingCount();
        return sent;
    }

    /** Publishes held results that fit now, telling {@code published} of each; drops those no longer wanted. */
    void releaseHeld(BiConsumer<JobResult, byte[]> published) {
        for (Completion c : held.takeAll()) {
            byte[] sent = answer(c.ticket(), c.result());
            if (sent != null) {
                published.accept(c.result(), sent);
            }
        }
    }

    /** Whether a commit the broker has not confirmed blocks everything else; tries it once more first. */
    boolean stalled() {
        if (!sink.commitPending()) {
            return false;
        }
        commit();
        return sink.commitPending();
    }

    /** Commits if results wait (exactly-once: group commit) or the commit interval has passed. */
    void commitIfDue() {
        if ((groupCommit && sink.hasOpenTransaction()) || ticker.nanos() - lastCommitNanos >= intervalNanos) {
            commit();
        }
    }

    /**
     * Publishes what was sent together with the offsets it answers. A broker that does not answer keeps the
     * transaction open (resumed by the next call); a lost transaction is aborted and the partitions are re-read
     * from their commits ({@link #rewindIfNeeded}); a fenced producer or another fatal error is thrown.
     */
    void commit() {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        tracker.toCommit().forEach((tp, c) -> offsets.put(tp, new OffsetAndMetadata(c.offset(), c.metadata())));
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = sink.commit(offsets, consumer);
            int longest = 0;
            for (Map.Entry<TopicPartition, OffsetAndMetadata> e : committed.entrySet()) {
                OffsetAndMetadata o = e.getValue();
                tracker.markCommitted(e.getKey(), new OffsetTracker.Commit(o.offset(), o.metadata()));
                longest = Math.max(longest, o.metadata().length());
            }
            if (!committed.isEmpty()) {
                metadataChars = longest;
            }
            lastCommitNanos = ticker.nanos();
            if (stalledSince >= 0) {
                LOG.info("commit went through after {} ms without the broker",
                        (lastCommitNanos - stalledSince) / 1_000_000);
                stalledSince = -1;
            }
        } catch (TimeoutException e) {
            metrics.inc("llm_commit_timeouts_total");
            if (stalledSince < 0) {
                stalledSince = ticker.nanos();
                LOG.warn("commit timed out ({}); holding results and retrying until the broker answers",
                        e.getMessage());
            }
        } catch (ProducerFencedException | FencedInstanceIdException | OutOfOrderSequenceException
                | AuthorizationException | UnsupportedVersionException fatal) {
            throw fatal;
        } catch (KafkaException e) {
            LOG.warn("commit failed ({}); re-reading from the last committed offsets", e.toString());
            metrics.inc("llm_commit_failures_total");
            sink.abort();
            needsRewind = true;
        }
    }

    /**
     * Starts over from the committed offsets if a transaction was lost: a new generation, a fresh tracker, every
     * assigned partition sought to its commit. Returns the partitions rewound (empty if none was needed), or null
     * if the commits could not be read (broker away): then nothing may be read and this is tried again.
     */
    Set<TopicPartition> rewindIfNeeded() {
        if (!needsRewind) {
            return Set.of();
        }
        Set<TopicPartition> assigned = consumer.assignment();
        Map<TopicPartition, OffsetAndMetadata> committed;
        try {
            committed = consumer.committed(assigned, READ_COMMITTED_TIMEOUT);
        } catch (TimeoutException e) {
            LOG.warn("could not read the committed offsets ({}); trying again", e.getMessage());
            return null;
        }
        needsRewind = false;
        generation++;
        tracker = new OffsetTracker<>(maxMetadataChars);
        held.takeAll();
        for (TopicPartition tp : assigned) {
            OffsetAndMetadata o = committed.get(tp);
            if (o != null) {
                consumer.seek(tp, o.offset());
                restore(tp, o);
            } else {
                consumer.seekToBeginning(List.of(tp));
            }
        }
        pendingCount = 0;
        return assigned;
    }

    boolean rewindPending() {
        return needsRewind;
    }

    /**
     * Seeds partitions from their commits, so records their metadata records as answered are skipped. Returns
     * false, with nothing restored, if the commits could not be read (broker away).
     */
    boolean restore(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> committed;
        try {
            committed = consumer.committed(new HashSet<>(partitions), READ_COMMITTED_TIMEOUT);
        } catch (TimeoutException e) {
            LOG.warn("could not read the commits of {} ({}); they stay paused until it works", partitions,
                    e.toString());
            return false;
        }
        for (TopicPartition tp : partitions) {
            OffsetAndMetadata o = committed.get(tp);
            if (o != null) {
                restore(tp, o);
            }
        }
        return true;
    }

    private void restore(TopicPartition tp, OffsetAndMetadata committed) {
        CompletedOffsets done;
        try {
            done = CompletedOffsets.decode(committed.metadata(), committed.offset());
        } catch (IllegalArgumentException e) {
            LOG.warn("ignoring the commit metadata of {} ({}): its records from offset {} on are processed again", tp,
                    e.getMessage(), committed.offset());
            done = CompletedOffsets.none(committed.offset());
        }
        tracker.restore(tp, done);
        if (!done.isEmpty()) {
            LOG.info("{}: {} record(s) above the committed offset {} are answered already and will be skipped", tp,
                    done.count(), committed.offset());
        }
    }

    /** Forgets revoked partitions (after their last commit), so that late results for them are dropped. */
    void revoked(Collection<TopicPartition> partitions) {
        partitions.forEach(tracker::remove);
        pendingCount = tracker.pendingCount();
    }

    /** Partitions lost without a chance to commit: the open transaction may hold their results, so it goes. */
    void lost(Collection<TopicPartition> partitions) {
        sink.abort();
        partitions.forEach(tracker::remove);
        pendingCount = tracker.pendingCount();
        needsRewind = true;
    }

    /** Jobs read and not yet answered. Any thread. */
    int pending() {
        return pendingCount;
    }

    int held() {
        return held.count();
    }

    int metadataChars() {
        return metadataChars;
    }
}
