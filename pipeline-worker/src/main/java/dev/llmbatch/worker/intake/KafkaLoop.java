package dev.llmbatch.worker.intake;

import dev.llmbatch.core.config.KafkaSettings;
import dev.llmbatch.core.config.WorkerSettings.IdempotencySettings;
import dev.llmbatch.core.job.DecodeResult;
import dev.llmbatch.core.job.Job;
import dev.llmbatch.core.job.JobCodec;
import dev.llmbatch.core.job.JobResolver;
import dev.llmbatch.core.offsets.CompletedOffsets;
import dev.llmbatch.core.offsets.OffsetTracker;
import dev.llmbatch.core.result.ErrorInfo;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.worker.admin.Metrics;
import dev.llmbatch.worker.dispatch.Dispatcher;
import dev.llmbatch.worker.dispatch.Item;
import dev.llmbatch.worker.emission.Completion;
import dev.llmbatch.worker.emission.ResultSink;
import dev.llmbatch.worker.emission.Ticket;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's Kafka side, on one dedicated thread that owns the consumer and the result producer: polls jobs,
 * decodes and validates them (bad records to the DLQ, invalid jobs to a {@code rejected} result, expired ones to
 * {@code expired}), hands the rest to the {@link Dispatcher}, publishes completions as they come back, and commits
 * offsets only below the lowest job still without a result, with the jobs answered above it recorded in the commit
 * metadata ({@link CompletedOffsets}) so that whoever reads the partition next skips them. When too many jobs are in
 * flight it pauses its partitions, so any backlog stays in Kafka; a partition whose metadata is full pauses too. On
 * {@link #stop} it stops taking jobs, waits up to the grace period for
 * those in flight, publishes and commits what finished, and closes.
 */
public final class KafkaLoop implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaLoop.class);
    /**
     * How long one poll may block. Completions are published only between polls, so this bounds the time a
     * finished job waits for its result to be sent (the benchmark's added-latency scenario showed a 20 ms poll in
     * the p99, and 5 ms still ~2.5 ms on average); an idle 2 ms poll costs little. Not consumer.wakeup(): that would
     * also abort commitSync.
     */
    private static final Duration POLL = Duration.ofMillis(2);
    private static final Duration REWIND_TIMEOUT = Duration.ofSeconds(10);

    private final KafkaSettings settings;
    private final JobResolver resolver;
    private final Dispatcher dispatcher;
    private final Queue<Completion> completions;
    private final Metrics metrics;
    private final Clock clock;
    private final int maxInFlight;
    private final Duration grace;
    private final IdempotencySettings idempotency;
    private final Deduplicator dedupe;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean stopping;
    private volatile boolean running;
    private volatile Throwable failure;
    private volatile int assignedCount;
    private volatile int totalPartitions;
    private volatile boolean paused;

    private KafkaConsumer<byte[], byte[]> consumer;
    private ResultSink sink;
    private OffsetTracker<TopicPartition> tracker;
    /** Paused because their commit metadata is full, or until their commit has been read (then also unrestored). */
    private final Set<TopicPartition> withheld = new HashSet<>();
    private final Set<TopicPartition> unrestored = new HashSet<>();
    /** Results waiting for room in their partition's commit metadata. */
    private List<Completion> held = new ArrayList<>();
    private volatile int withheldCount;
    private volatile int heldCount;
    private volatile int metadataChars;
    private long generation;
    private boolean needsRewind;
    private long lastCommitNanos = System.nanoTime();
    private long commitStalledSince;

    public KafkaLoop(KafkaSettings settings, JobResolver resolver, Dispatcher dispatcher, Queue<Completion> completions,
            Metrics metrics, Clock clock, int maxInFlight, Duration grace, IdempotencySettings idempotency) {
        this.settings = settings;
        this.resolver = resolver;
        this.dispatcher = dispatcher;
        this.completions = completions;
        this.metrics = metrics;
        this.clock = clock;
        this.maxInFlight = maxInFlight;
        this.grace = grace;
        this.idempotency = idempotency;
        this.dedupe = new Deduplicator(idempotency, clock);
        metrics.gauge("llm_idempotency_answers", dedupe::remembered);
        metrics.gauge("llm_jobs_in_flight", () -> inFlight);
        metrics.gauge("llm_intake_paused", () -> paused ? 1 : 0);
        this.tracker = new OffsetTracker<>(settings.commitMetadataMaxChars());
        metrics.gauge("llm_intake_metadata_paused", () -> withheldCount);
        metrics.gauge("llm_completions_held", () -> heldCount);
        metrics.gauge("llm_commit_metadata_chars", () -> metadataChars);
    }

    private volatile int inFlight;

    @Override
    public void run() {
        running = true;
        try {
            consumer = new KafkaConsumer<>(consumerProps(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
            sink = new ResultSink(settings);
            AnswerHistory.load(settings, dedupe, idempotency.window(), idempotency.maxEntries(), clock);
            consumer.subscribe(List.of(settings.jobsTopic()), new Rebalance());
            while (!stopping) {
                iterate();
            }
            drainGracefully();
        } catch (WakeupException | InterruptException e) {
            LOG.info("kafka loop interrupted");
        } catch (Throwable t) {
            failure = t;
            LOG.error("kafka loop failed: {}", t.toString());
        } finally {
            closeQuietly();
            running = false;
            finished.countDown();
        }
    }

    /** Asks the loop to stop taking jobs and finish; returns at once. */
    public void stop() {
        stopping = true;
    }

    /** Waits for the loop to end; true if it ended within the timeout. */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean isRunning() {
        return running;
    }

    public boolean isStopping() {
        return stopping;
    }

    public Throwable failure() {
        return failure;
    }

    public int assignedPartitions() {
        return assignedCount;
    }

    /**
     * This worker's share of the jobs topic's partitions (assigned / total), the best guess of its share of the
     * fleet's work; 1 before the first assignment is known.
     */
    public double assignedShare() {
        int total = totalPartitions;
        return total <= 0 ? 1.0 : Math.min(1.0, (double) assignedCount / total);
    }

    public int inFlight() {
        return inFlight;
    }

    public boolean isPaused() {
        return paused;
    }

    private Properties consumerProps() {
        Properties p = new Properties();
        p.putAll(settings.properties());
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, settings.group());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(settings.maxPollRecords()));
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, settings.group() + "-jobs");
        return p;
    }

    private void iterate() {
        if (sink.commitPending()) {
            // the broker did not confirm the last commit: hold everything (completions stay queued) until it does
            commit();
            if (sink.commitPending()) {
                return;
            }
        }
        if (needsRewind && !rewind()) {
            return;
        }
        if (!unrestored.isEmpty()) {
            restoreAssigned(new ArrayList<>(unrestored));
        }
        ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
        if (!records.isEmpty()) {
            List<Item> batch = new ArrayList<>(records.count());
            for (ConsumerRecord<byte[], byte[]> rec : records) {
                intake(rec, batch);
            }
            dispatcher.submit(batch);
        }
        drainCompletions();
        if (System.nanoTime() - lastCommitNanos >= settings.commitInterval().toNanos()) {
            commit();
        }
        applyBackpressure();
    }

    private void intake(ConsumerRecord<byte[], byte[]> rec, List<Item> batch) {
        TopicPartition tp = new TopicPartition(rec.topic(), rec.partition());
        if (!admit(rec, tp)) {
            return;
        }
        metrics.inc("llm_jobs_received_total");
        DecodeResult decoded = JobCodec.decode(rec.value());
        if (decoded instanceof DecodeResult.Unparseable u) {
            deadLetter(rec, tp, u.code(), u.message());
        } else if (decoded instanceof DecodeResult.Invalid i) {
            if (i.id() != null) {
                publish(rejected(i.id(), null, i.code(), i.message()));
            }
            deadLetter(rec, tp, i.code(), i.message());
        } else {
            Job job = ((DecodeResult.Valid) decoded).job();
            JobResolver.Resolution r = resolver.resolve(job);
            if (r instanceof JobResolver.Resolution.Rejected rej) {
                publish(rejected(job.id(), job, rej.code(), rej.message()));
                deadLetter(rec, tp, rej.code(), rej.message());
            } else if (job.deadline() != null && !clock.instant().isBefore(job.deadline())) {
                publish(result(job, Status.EXPIRED, new ErrorInfo("deadline_exceeded",
                        "the job's deadline " + job.deadline() + " had passed when it was read", false)));
                tracker.complete(tp, rec.offset());
            } else {
                Ticket ticket = new Ticket(rec.topic(), rec.partition(), rec.offset(), generation);
                Deduplicator.Decision d = dedupe.decide(job, ticket);
                if (d == Deduplicator.Decision.PROCEED) {
                    batch.add(new Item(((JobResolver.Resolution.Ok) r).job(), ticket, System.nanoTime()));
                } else if (d == Deduplicator.Decision.REPLAY) {
                    publish(dedupe.replay(job));
                    tracker.complete(tp, rec.offset());
                    metrics.inc("llm_jobs_deduplicated_total", "kind", "replayed");
                } else {
                    metrics.inc("llm_jobs_deduplicated_total", "kind", "joined");
                }
            }
        }
        inFlight = tracker.pendingCount();
    }

    /**
     * Tracks {@code rec} and says whether it is work to do. A record the last commit records as answered is skipped.
     * One that might not fit in its partition's commit metadata stays in Kafka: the partition goes back to it and
     * pauses until the metadata has shrunk (the rest of its records in this poll are skipped the same way).
     */
    private boolean admit(ConsumerRecord<byte[], byte[]> rec, TopicPartition tp) {
        if (withheld.contains(tp)) {
            return false;
        }
        if (tracker.intakeBlocked(tp)) {
            consumer.seek(tp, rec.offset());
            consumer.pause(List.of(tp));
            withheld.add(tp);
            withheldCount = withheld.size();
            metrics.inc("llm_intake_metadata_pauses_total");
            return false;
        }
        if (!tracker.track(tp, rec.offset())) {
            metrics.inc("llm_jobs_skipped_done_total");
            return false;
        }
        return true;
    }

    private void deadLetter(ConsumerRecord<byte[], byte[]> rec, TopicPartition tp, String code, String message) {
        sink.dlq(rec, code, message);
        metrics.inc("llm_dlq_total", "reason", code);
        LOG.debug("record {}-{}@{} to the DLQ: {}", rec.topic(), rec.partition(), rec.offset(), code);
        tracker.complete(tp, rec.offset());
    }

    private static JobResult rejected(String id, Job job, String code, String message) {
        return new JobResult(id, Status.REJECTED, null, null, null, null, null, 0, 0, 0, 0,
                new ErrorInfo(code, message, false), job == null ? null : job.submitter(),
                job == null ? null : job.batch(), job == null ? null : job.metadata(), List.of());
    }

    private static JobResult result(Job job, Status status, ErrorInfo error) {
        return new JobResult(job.id(), status, null, null, null, null, null, 0, 0, 0, 0, error, job.submitter(),
                job.batch(), job.metadata(), List.of());
    }

    /** Publishes {@code r}; returns the bytes sent (the idempotency cache keeps them instead of encoding again). */
    private byte[] publish(JobResult r) {
        byte[] sent = sink.result(r);
        metrics.inc("llm_results_total", "status", r.status().wire());
        return sent;
    }

    private void drainCompletions() {
        releaseHeld();
        Completion c;
        while ((c = completions.poll()) != null) {
            Ticket t = c.ticket();
            if (t.generation() != generation) {
                metrics.inc("llm_completions_dropped_total");
                continue;
            }
            byte[] sent = answer(t, c.result());
            for (Map.Entry<Deduplicator.Follower, JobResult> f : dedupe.onPublished(c.result(), sent)) {
                answer(f.getKey().ticket(), f.getValue());
            }
        }
        inFlight = tracker.pendingCount();
    }

    /**
     * Publishes {@code r} for the record of {@code t} if that record still waits for it (not revoked meanwhile), or
     * holds it back while the partition's commit metadata has no room to record it. Returns the bytes published, or
     * null if it was held or dropped.
     */
    private byte[] answer(Ticket t, JobResult r) {
        TopicPartition tp = new TopicPartition(t.topic(), t.partition());
        if (t.generation() != generation || !tracker.isPending(tp, t.offset())) {
            metrics.inc("llm_completions_dropped_total");
            return null;
        }
        if (!tracker.canComplete(tp, t.offset())) {
            held.add(new Completion(t, r));
            heldCount = held.size();
            return null;
        }
        byte[] sent = publish(r);
        tracker.complete(tp, t.offset());
        return sent;
    }

    /** Publishes held results that fit in their partition's commit metadata now; drops those no longer wanted. */
    private void releaseHeld() {
        if (held.isEmpty()) {
            return;
        }
        List<Completion> waiting = held;
        held = new ArrayList<>();
        for (Completion c : waiting) {
            byte[] sent = answer(c.ticket(), c.result());
            if (sent != null) {
                dedupe.onPublished(c.result(), sent); // its followers were answered when it was held
            }
        }
        heldCount = held.size();
    }

    private void commit() {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        // the metadata records the answered offsets above the position, in the transaction that publishes them
        tracker.toCommit().forEach((tp, c) -> offsets.put(tp, new OffsetAndMetadata(c.offset(), c.metadata())));
        try {
            Map<TopicPartition, OffsetAndMetadata> done = sink.commit(offsets, consumer);
            done.forEach((tp, o) -> tracker.markCommitted(tp, new OffsetTracker.Commit(o.offset(), o.metadata())));
            done.values().stream().mapToInt(o -> o.metadata().length()).max().ifPresent(n -> metadataChars = n);
            lastCommitNanos = System.nanoTime();
            if (commitStalledSince != 0) {
                LOG.info("commit went through after {} ms without the broker", (System.nanoTime()
                        - commitStalledSince) / 1_000_000);
                commitStalledSince = 0;
            }
        } catch (TimeoutException e) {
            // Broker unreachable: keep the open transaction and its results; ResultSink resumes the same commit.
            metrics.inc("llm_commit_timeouts_total");
            if (commitStalledSince == 0) {
                commitStalledSince = System.nanoTime();
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
     * Starts over from the committed offsets: results not committed are produced again by re-processing. Returns
     * false, to be tried again, if the committed offsets could not be read (broker unreachable).
     */
    private boolean rewind() {
        Set<TopicPartition> assigned = consumer.assignment();
        Map<TopicPartition, OffsetAndMetadata> committed;
        try {
            committed = consumer.committed(assigned, REWIND_TIMEOUT);
        } catch (TimeoutException e) {
            LOG.warn("could not read the committed offsets ({}); trying again", e.getMessage());
            return false;
        }
        needsRewind = false;
        generation++;
        tracker = new OffsetTracker<>(settings.commitMetadataMaxChars());
        dedupe.forgetWorking();
        unrestored.clear();
        for (TopicPartition tp : assigned) {
            OffsetAndMetadata o = committed.get(tp);
            if (o != null) {
                consumer.seek(tp, o.offset());
                restore(tp, o);
            } else {
                consumer.seekToBeginning(List.of(tp));
            }
        }
        inFlight = 0;
        return true;
    }

    /**
     * Seeds newly assigned partitions from their commits, so that records their metadata records as answered are
     * skipped. If the commits cannot be read (broker away) the partitions stay paused and this is tried again.
     */
    private void restoreAssigned(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> committed;
        try {
            committed = consumer.committed(new HashSet<>(partitions), REWIND_TIMEOUT);
        } catch (TimeoutException e) {
            if (unrestored.addAll(partitions)) {
                LOG.warn("could not read the commits of {} ({}); they stay paused until it works", partitions,
                        e.toString());
            }
            consumer.pause(partitions);
            withheld.addAll(partitions);
            withheldCount = withheld.size();
            return;
        }
        for (TopicPartition tp : partitions) {
            OffsetAndMetadata o = committed.get(tp);
            if (o != null) {
                restore(tp, o);
            }
        }
        unrestored.removeAll(partitions);
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

    private void applyBackpressure() {
        int pending = tracker.pendingCount();
        if (!paused && pending >= maxInFlight) {
            consumer.pause(consumer.assignment());
            paused = true;
            metrics.inc("llm_intake_pauses_total");
        } else if (paused && pending <= maxInFlight * 3 / 4) {
            Set<TopicPartition> resume = new HashSet<>(consumer.paused());
            resume.removeAll(withheld);
            consumer.resume(resume);
            paused = false;
        }
        if (!withheld.isEmpty()) {
            withheld.removeIf(tp -> {
                if (unrestored.contains(tp) || tracker.intakeBlocked(tp)) {
                    return false;
                }
                if (!paused) {
                    consumer.resume(List.of(tp));
                }
                return true;
            });
            withheldCount = withheld.size();
        }
    }

    private void drainGracefully() {
        consumer.pause(consumer.assignment());
        paused = true;
        long deadline = System.nanoTime() + grace.toNanos();
        while (tracker.pendingCount() > 0 && System.nanoTime() - deadline < 0) {
            if (sink.commitPending()) {
                commit();
                continue;
            }
            consumer.poll(POLL);
            drainCompletions();
            if (System.nanoTime() - lastCommitNanos >= settings.commitInterval().toNanos()) {
                commit();
            }
        }
        if (!sink.commitPending()) {
            drainCompletions();
        }
        commit();
        if (tracker.pendingCount() > 0) {
            LOG.warn("{} jobs were still in flight after the grace period; they stay uncommitted and will be "
                    + "processed again", tracker.pendingCount());
        }
    }

    private void closeQuietly() {
        try {
            if (sink != null) {
                sink.abort();
                sink.close();
            }
        } catch (RuntimeException e) {
            LOG.warn("closing the producer: {}", e.toString());
        }
        try {
            if (consumer != null) {
                consumer.close();
            }
        } catch (RuntimeException e) {
            LOG.warn("closing the consumer: {}", e.toString());
        }
    }

    /** Commits what is done before partitions move; forgets revoked partitions so late completions are dropped. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (sink == null || partitions.isEmpty()) {
                return;
            }
            drainCompletions();
            commit();
            partitions.forEach(tracker::remove);
            forgetWithheld(partitions);
            inFlight = tracker.pendingCount();
            assignedCount = consumer.assignment().size() - partitions.size();
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            LOG.info("assigned {} partition(s) of {}", partitions.size(), settings.jobsTopic());
            if (paused) {
                consumer.pause(partitions);
            }
            restoreAssigned(partitions);
            assignedCount = consumer.assignment().size();
            var infos = consumer.partitionsFor(settings.jobsTopic());
            totalPartitions = infos == null ? 0 : infos.size();
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            // The open transaction may hold results of lost partitions: drop it and redo the rest from committed.
            sink.abort();
            partitions.forEach(tracker::remove);
            forgetWithheld(partitions);
            needsRewind = true;
            assignedCount = 0;
        }

        private void forgetWithheld(Collection<TopicPartition> partitions) {
            withheld.removeAll(partitions);
            unrestored.removeAll(partitions);
            withheldCount = withheld.size();
        }
    }
}
