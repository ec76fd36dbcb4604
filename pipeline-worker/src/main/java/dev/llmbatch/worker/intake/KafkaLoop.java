package dev.llmbatch.worker.intake;

import dev.llmbatch.core.config.KafkaSettings;
import dev.llmbatch.core.config.WorkerSettings.IdempotencySettings;
import dev.llmbatch.core.job.JobResolver;
import dev.llmbatch.core.offsets.CompletedOffsets;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.time.Ticker;
import dev.llmbatch.worker.admin.Metrics;
import dev.llmbatch.worker.dispatch.Item;
import dev.llmbatch.worker.emission.Completion;
import dev.llmbatch.worker.emission.ResultSink;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's Kafka side, on one dedicated thread that owns the consumer and the result producer. It only wires
 * the parts along the data flow: each polled record goes through the {@link PartitionGate} (may it be read?) and
 * the {@link Router} (what is it?), and the loop applies the {@link Route}: jobs to the dispatcher, results and DLQ
 * copies to the {@link CommitCoordinator}, which also publishes completions as they come back and commits offsets
 * below the lowest job still without a result (jobs answered above it are recorded in the commit metadata,
 * {@link CompletedOffsets}). On {@link #stop} it stops taking jobs, waits up to the grace period for those in
 * flight, publishes and commits what finished, and closes. If another producer with its transactional id fences
 * it, it stops at once (see {@link ResultSink#isFenced}) and reports the failure, so the worker exits non-zero.
 */
public final class KafkaLoop implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaLoop.class);
    /**
     * How long one poll may block. Completions are published only between polls, so this bounds the time a
     * finished job waits for its result to be sent; an idle 2 ms poll costs little. Not consumer.wakeup(): that
     * would also abort commitSync.
     */
    private static final Duration POLL = Duration.ofMillis(2);

    private final KafkaSettings settings;
    private final Consumer<List<Item>> dispatcher;
    private final Queue<Completion> completions;
    private final Metrics metrics;
    private final Clock clock;
    private final Ticker ticker;
    private final int maxInFlight;
    private final Duration grace;
    private final IdempotencySettings idempotency;
    private final Deduplicator dedupe;
    private final Router router;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean stopping;
    private volatile boolean running;
    private volatile Throwable failure;
    private volatile int totalPartitions;
    private volatile PartitionGate gate;
    private volatile CommitCoordinator commits;
    private Intake intake;
    private final Clients clients;
    private org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer;
    private volatile ResultSink sink;

    /** Makes the loop's Kafka clients, on its thread (tests pass MockConsumer and MockProducer ones). */
    interface Clients {
        org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer();

        ResultSink sink();
    }

    /**
     * @param dispatcher where jobs go ({@code Dispatcher::submit}); called on this loop's thread, must not block
     * @param ticker     every elapsed-time decision (commit interval, grace period) and {@link Item}'s receive time
     */
    public KafkaLoop(KafkaSettings settings, JobResolver resolver, Consumer<List<Item>> dispatcher,
            Queue<Completion> completions, Metrics metrics, Clock clock, Ticker ticker, int maxInFlight,
            Duration grace, IdempotencySettings idempotency) {
        this(settings, resolver, dispatcher, completions, metrics, clock, ticker, maxInFlight, grace, idempotency,
                null);
    }

    KafkaLoop(KafkaSettings settings, JobResolver resolver, Consumer<List<Item>> dispatcher,
            Queue<Completion> completions, Metrics metrics, Clock clock, Ticker ticker, int maxInFlight,
            Duration grace, IdempotencySettings idempotency, Clients clients) {
        this.clients = clients != null ? clients : new KafkaClients(settings, metrics);
        this.settings = settings;
        this.dispatcher = dispatcher;
        this.completions = completions;
        this.metrics = metrics;
        this.clock = clock;
        this.ticker = ticker;
        this.maxInFlight = maxInFlight;
        this.grace = grace;
        this.idempotency = idempotency;
        this.dedupe = new Deduplicator(idempotency, clock);
        this.router = new Router(resolver, dedupe, clock);
        metrics.gauge("llm_idempotency_answers", dedupe::remembered);
        metrics.cache(dedupe.cache(), "idempotency_answers");
        metrics.gauge("llm_jobs_in_flight", this::inFlight);
        metrics.gauge("llm_intake_paused", () -> isPaused() ? 1 : 0);
        metrics.gauge("llm_intake_metadata_paused", () -> gate == null ? 0 : gate.closedPartitions());
        metrics.gauge("llm_completions_held", () -> commits == null ? 0 : commits.held());
        metrics.gauge("llm_commit_metadata_chars", () -> commits == null ? 0 : commits.metadataChars());
    }

    @Override
    public void run() {
        running = true;
        try {
            consumer = clients.consumer();
            sink = clients.sink();
            gate = new PartitionGate(consumer);
            commits = new CommitCoordinator(settings, consumer, sink, ticker, metrics);
            intake = new Intake(gate, router, commits, metrics, ticker);
            AnswerHistory.load(settings, dedupe, idempotency.window(), idempotency.maxEntries(), clock, ticker);
            consumer.subscribe(List.of(settings.jobsTopic()), new Rebalance(consumer, sink, gate, commits,
                    this::drainCompletions, settings.jobsTopic(), n -> totalPartitions = n));
            while (!stopping) {
                iterate();
            }
            drainGracefully();
        } catch (WakeupException | InterruptException e) {
            LOG.info("kafka loop interrupted");
        } catch (ProducerFencedException e) {
            // nothing is committed or re-initialised after this; the sink has logged it (once)
            failure = e;
            if (sink == null || !sink.isFenced()) {
                LOG.error("kafka loop stopped: fenced ({})", e.toString());
            }
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
        PartitionGate g = gate;
        return g == null ? 0 : g.assigned();
    }

    /**
     * This worker's share of the jobs topic's partitions (assigned / total), the best guess of its share of the
     * fleet's work; 1 before the first assignment is known.
     */
    public double assignedShare() {
        int total = totalPartitions;
        return total <= 0 ? 1.0 : Math.min(1.0, (double) assignedPartitions() / total);
    }

    /** Whether the result producer can publish: transactions initialised (exactly-once mode), not fenced. */
    public boolean producerReady() {
        ResultSink s = sink;
        return s != null && s.ready();
    }

    public int inFlight() {
        CommitCoordinator c = commits;
        return c == null ? 0 : c.pending();
    }

    public boolean isPaused() {
        PartitionGate g = gate;
        return g != null && g.underBackpressure();
    }

    private void iterate() {
        if (commits.stalled()) {
            return; // the broker did not confirm the last commit: completions stay queued until it does
        }
        if (!rewound()) {
            return;
        }
        List<TopicPartition> restoring = gate.restoring();
        if (!restoring.isEmpty() && commits.restore(restoring)) {
            restoring.forEach(gate::restored);
            gate.sync();
        }
        ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
        if (!records.isEmpty()) {
            List<Item> jobs = intake.take(records);
            if (!jobs.isEmpty()) {
                dispatcher.accept(jobs);
            }
        }
        drainCompletions();
        commits.commitIfDue();
        if (gate.backpressure(commits.pending(), maxInFlight)) {
            metrics.inc("llm_intake_pauses_total");
        }
        gate.release(commits::intakeBlocked);
        gate.sync();
    }

    /** False while a rewind after a lost transaction could not be done yet (broker away). */
    private boolean rewound() {
        if (!commits.rewindPending()) {
            return true;
        }
        Set<TopicPartition> rewound = commits.rewindIfNeeded();
        if (rewound == null) {
            return false;
        }
        dedupe.forgetWorking();
        rewound.forEach(gate::restored);
        gate.sync();
        return true;
    }

    private void drainCompletions() {
        commits.releaseHeld(dedupe::onPublished); // their followers were answered when they were held
        long generation = commits.generation();
        Completion c;
        while ((c = completions.poll()) != null) {
            if (c.ticket().generation() != generation) {
                metrics.inc("llm_completions_dropped_total");
                continue;
            }
            byte[] sent = commits.answer(c.ticket(), c.result());
            for (Map.Entry<Deduplicator.Follower, JobResult> f : dedupe.onPublished(c.result(), sent)) {
                commits.answer(f.getKey().ticket(), f.getValue());
            }
        }
    }

    private void drainGracefully() {
        gate.closeAll();
        long start = ticker.nanos();
        long graceNanos = grace.toNanos();
        while (commits.pending() > 0 && ticker.nanos() - start < graceNanos) {
            if (commits.stalled()) {
                continue;
            }
            consumer.poll(POLL);
            drainCompletions();
            commits.commitIfDue();
        }
        if (!commits.stalled()) {
            drainCompletions();
        }
        commits.commit();
        if (commits.pending() > 0) {
            LOG.warn("{} jobs were still in flight after the grace period; they stay uncommitted and will be "
                    + "processed again", commits.pending());
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
}
