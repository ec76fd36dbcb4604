package dev.llmbatch.worker.emission;

import dev.llmbatch.core.config.Delivery;
import dev.llmbatch.core.config.KafkaSettings;
import dev.llmbatch.core.result.ErrorInfo;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.ResultCodec;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.core.time.Ticker;
import dev.llmbatch.worker.admin.Metrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes results and DLQ records and commits consumed offsets with them. In exactly-once mode everything between
 * two {@link #commit} calls is one Kafka transaction that also carries the offsets, so a read_committed consumer
 * sees each result once even if the worker dies mid-way; in at-least-once mode the producer is flushed and then the
 * offsets are committed by the consumer.
 *
 * <p>With {@link Metrics}, it records how long each result took from being handed to {@link #result} to being
 * visible to read_committed readers (its transaction committed; in at-least-once mode, the producer flushed) in
 * {@code llm_result_visible_seconds}, and binds the producer's client metrics.
 *
 * <p>Not thread-safe: used only by the Kafka loop thread (KafkaProducer.send may block on metadata, so it never
 * runs on an event loop), except {@link #ready} and {@link #isFenced}, which any thread may read.
 */
public final class ResultSink implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ResultSink.class);
    /** DLQ header names. */
    public static final String H_REASON = "dlq.reason";
    public static final String H_MESSAGE = "dlq.message";
    public static final String H_TOPIC = "dlq.source.topic";
    public static final String H_PARTITION = "dlq.source.partition";
    public static final String H_OFFSET = "dlq.source.offset";
    public static final String H_TRUNCATED = "dlq.truncated";
    public static final String H_ORIGINAL_BYTES = "dlq.original.bytes";

    private final Supplier<Producer<byte[], byte[]>> producers;
    private final int maxRecordBytes;
    private final int maxResultBytes;
    private Producer<byte[], byte[]> producer;
    private final boolean transactional;
    /** The records of the open transaction, kept to be sent again if the broker aborted it (bounded by a commit). */
    private final List<ProducerRecord<byte[], byte[]>> open = new ArrayList<>();
    private final String resultsTopic;
    private final String dlqTopic;
    private final AtomicReference<Exception> sendFailure = new AtomicReference<>();
    private final Callback onSent = (md, e) -> {
        if (e != null) {
            sendFailure.compareAndSet(null, e);
        }
    };
    private boolean inTransaction;
    private volatile boolean fenced;
    /** Whether the current producer's transactions are initialised (always, in at-least-once mode). */
    private volatile boolean initialised;
    /** Optional: null in unit tests that do not measure. */
    private final Metrics metrics;
    private final Ticker ticker;
    private AutoCloseable producerMetrics;
    /** When each result since the last commit was handed to {@link #result}, in ticker nanos. */
    private long[] handed = new long[64];
    private int handedCount;
    /** Where a transactional commit stands; not OPEN only while a commit that timed out waits to be resumed. */
    private Stage stage = Stage.OPEN;
    private Map<TopicPartition, OffsetAndMetadata> committing = Map.of();

    private enum Stage { OPEN, SENDING_OFFSETS, COMMITTING }

    /** @param k settings whose transactional id, in exactly-once mode, is already resolved for this instance */
    public ResultSink(KafkaSettings k) {
        this(k, null);
    }

    /**
     * A sink that records visibility times and binds its producers' client metrics in {@code metrics}.
     *
     * @param k settings whose transactional id, in exactly-once mode, is already resolved for this instance
     */
    public ResultSink(KafkaSettings k, Metrics metrics) {
        this(ResultProducers.factory(k), k.delivery() == Delivery.EXACTLY_ONCE, k.resultsTopic(), k.dlqTopic(),
                ResultProducers.maxRecordBytes(k, k.dlqTopic()), ResultProducers.maxRecordBytes(k, k.resultsTopic()),
                metrics, Ticker.system());
    }

    private ResultSink(Supplier<Producer<byte[], byte[]>> producers, boolean transactional, String resultsTopic,
            String dlqTopic, int maxRecordBytes, int maxResultBytes, Metrics metrics, Ticker ticker) {
        this.metrics = metrics;
        this.ticker = ticker;
        if (metrics != null) {
            metrics.describe("llm_result_visible", "From a result handed for publication to its transaction "
                    + "committed (visible to read_committed readers); at-least-once: to the producer flushed.");
        }
        this.producers = producers;
        this.transactional = transactional;
        this.resultsTopic = resultsTopic;
        this.dlqTopic = dlqTopic;
        this.maxRecordBytes = maxRecordBytes;
        this.maxResultBytes = maxResultBytes;
        this.producer = newProducer();
        if (transactional) {
            producer.initTransactions();
        }
        initialised = true;
    }

    /** A producer from the factory, its client metrics bound in place of the previous one's. */
    private Producer<byte[], byte[]> newProducer() {
        Producer<byte[], byte[]> p = producers.get();
        if (metrics != null) {
            closeProducerMetrics();
            producerMetrics = metrics.kafkaClient(new KafkaClientMetrics(p));
        }
        return p;
    }

    private void closeProducerMetrics() {
        if (producerMetrics != null) {
            try {
                producerMetrics.close();
            } catch (Exception e) {
                LOG.debug("unbinding the producer's metrics: {}", e.toString());
            }
            producerMetrics = null;
        }
    }

    /**
     * A sink over producers made by {@code producers} (a {@code MockProducer} in unit tests): the first is made at
     * once, another only when a transaction the broker aborted left the producer unusable.
     */
    public static ResultSink over(Supplier<Producer<byte[], byte[]>> producers, boolean transactional,
            String resultsTopic, String dlqTopic, int maxRecordBytes) {
        return new ResultSink(producers, transactional, resultsTopic, dlqTopic, maxRecordBytes, maxRecordBytes,
                null, Ticker.system());
    }

    /** As {@link #over(Supplier, boolean, String, String, int)}, measuring visibility in {@code metrics}. */
    public static ResultSink over(Supplier<Producer<byte[], byte[]>> producers, boolean transactional,
            String resultsTopic, String dlqTopic, int maxRecordBytes, Metrics metrics, Ticker ticker) {
        return new ResultSink(producers, transactional, resultsTopic, dlqTopic, maxRecordBytes, maxRecordBytes,
                metrics, ticker);
    }

    /** Sends {@code r} (in the open transaction, in exactly-once mode) and returns the value bytes sent. */
    public byte[] result(JobResult r) {
        byte[] key = r.id().getBytes(StandardCharsets.UTF_8);
        byte[] value = ResultCodec.encode(r);
        if (key.length + value.length > maxResultBytes) {
            // only a job's own metadata can make a result this large; one record must not poison the transaction
            value = ResultCodec.encode(new JobResult(r.id(), Status.FAILED, null, null, r.usage(), r.region(),
                    r.deployment(), r.attempts(), r.batchSize(), r.latencyMs(), r.queuedMs(),
                    new ErrorInfo("result_too_large", "the result was " + value.length + " bytes, above the "
                            + maxResultBytes + " the results topic takes (max.message.bytes less headroom); the job's "
                            + "metadata is too large to be echoed", false), r.submitter(), r.batch(), null,
                    r.trace()));
        }
        send(new ProducerRecord<>(resultsTopic, key, value));
        if (metrics != null) {
            if (handedCount == handed.length) {
                handed = java.util.Arrays.copyOf(handed, handedCount * 2);
            }
            handed[handedCount++] = ticker.nanos();
        }
        return value;
    }

    /**
     * The original key and bytes, with headers naming the reason and the source position. A record larger than the
     * DLQ topic takes (its max.message.bytes, or the producer's max.request.size) is copied cut to fit, with
     * {@code dlq.truncated: true} and {@code dlq.original.bytes}; the whole record stays at its source position.
     */
    public void dlq(ConsumerRecord<byte[], byte[]> source, String reason, String message) {
        send(DlqRecords.of(dlqTopic, source, reason, message, maxRecordBytes));
    }

    private void send(ProducerRecord<byte[], byte[]> rec) {
        if (stage != Stage.OPEN) {
            throw new IllegalStateException("a commit is pending; nothing may be sent until it went through");
        }
        if (fenced) {
            throw new ProducerFencedException("the result producer was fenced; nothing more is sent");
        }
        try {
            if (transactional && !inTransaction) {
                producer.beginTransaction();
                inTransaction = true;
            }
            if (transactional) {
                open.add(rec);
            }
            producer.send(rec, onSent);
        } catch (KafkaException e) {
            if (Fencing.isFencing(e)) {
                throw fencedBy(e);
            }
            throw e;
        }
    }

    /**
     * Makes everything sent so far durable together with {@code offsets} and returns the offsets now committed.
     *
     * <p>If the broker does not answer in time this throws {@link TimeoutException} and keeps the transaction as it
     * is: the results sent so far stay held, nothing more may be sent, and the next call resumes that same commit
     * (ignoring its own {@code offsets}) and returns the earlier offsets once it went through. If the broker
     * aborted the transaction instead (it outlived transaction.timeout.ms while the broker was away, or a record
     * could not be delivered in time), the same records and offsets are sent once more in a new transaction, on a
     * new producer if this one was fenced by the abort, so the answers are not lost and not asked for again. Any
     * other KafkaException, or a second failure, means the transaction is lost: the caller must {@link #abort} and
     * re-read from the last committed offsets.
     */
    public Map<TopicPartition, OffsetAndMetadata> commit(Map<TopicPartition, OffsetAndMetadata> offsets,
            Consumer<byte[], byte[]> consumer) {
        if (!transactional) {
            producer.flush();
            Exception failed = sendFailure.getAndSet(null);
            if (failed != null) {
                handedCount = 0;
                throw new KafkaException("a result or DLQ record could not be published", failed);
            }
            visible();
            if (!offsets.isEmpty()) {
                consumer.commitSync(offsets);
            }
            return offsets;
        }
        if (fenced) {
            throw new ProducerFencedException("the result producer was fenced; nothing more is committed");
        }
        if (stage == Stage.OPEN) {
            if (!inTransaction && offsets.isEmpty()) {
                return offsets;
            }
            committing = Map.copyOf(offsets);
        }
        try {
            return commitTransaction(consumer);
        } catch (TimeoutException | CommitFailedException | RebalanceInProgressException | FencedInstanceIdException
                | AuthorizationException | UnsupportedVersionException notRepeatable) {
            throw notRepeatable;
        } catch (KafkaException lost) {
            if (Fencing.isFencing(lost)) {
                // never a new producer with this id here: it would fence the live twin that fenced this one
                throw fencedBy(lost);
            }
            LOG.warn("the transaction was aborted ({}); sending its {} records and offsets again in a new one",
                    lost.toString(), open.size());
            restartTransaction();
            try {
                return commitTransaction(consumer);
            } catch (KafkaException again) {
                if (Fencing.isFencing(again)) {
                    throw fencedBy(again);
                }
                throw again;
            }
        }
    }

    private Map<TopicPartition, OffsetAndMetadata> commitTransaction(Consumer<byte[], byte[]> consumer) {
        if (stage == Stage.OPEN) {
            if (!inTransaction) {
                producer.beginTransaction();
                inTransaction = true;
            }
            stage = committing.isEmpty() ? Stage.COMMITTING : Stage.SENDING_OFFSETS;
        }
        if (stage == Stage.SENDING_OFFSETS) {
            producer.sendOffsetsToTransaction(committing, consumer.groupMetadata());
            stage = Stage.COMMITTING;
        }
        producer.commitTransaction();
        visible();
        Map<TopicPartition, OffsetAndMetadata> done = committing;
        reset();
        return done;
    }

    /**
     * Drops the producer's view of the lost transaction (abort, or a new producer with the same transactional id if
     * this one was fenced) and sends the kept records again in a fresh transaction, with the same offsets pending.
     */
    private void restartTransaction() {
        try {
            producer.abortTransaction();
        } catch (KafkaException | IllegalStateException fatal) {
            if (Fencing.isFencing(fatal)) {
                throw fencedBy(fatal instanceof KafkaException k ? k : new KafkaException(fatal));
            }
            // The coordinator aborted this transaction (it outlived transaction.timeout.ms while the broker was
            // away) and the producer is left in an error state: only a new producer can go on. This is the one
            // place a transactional id is initialised again, and never after a fence: a twin that had taken the id
            // shows as ProducerFencedException above. Were a twin fenced by this, it stops in turn instead of
            // re-initialising, so two workers can never fence each other back and forth.
            LOG.warn("the producer cannot go on ({}); starting a new one with the same transactional id (two live "
                    + "workers must never share one: give each its own kafka.transactional-id)", fatal.toString());
            producer.close(Duration.ZERO);
            initialised = false;
            producer = newProducer();
            producer.initTransactions();
            initialised = true;
        }
        sendFailure.set(null);
        producer.beginTransaction();
        inTransaction = true;
        stage = Stage.OPEN;
        for (ProducerRecord<byte[], byte[]> rec : open) {
            producer.send(rec, onSent);
        }
    }

    /** Records the visibility time of every result handed since the last commit: they are visible now. */
    private void visible() {
        if (metrics == null || handedCount == 0) {
            return;
        }
        long now = ticker.nanos();
        for (int i = 0; i < handedCount; i++) {
            metrics.time("llm_result_visible", now - handed[i]);
        }
        handedCount = 0;
    }

    /**
     * Whether this sink can publish: its producer's transactions are initialised (exactly-once mode) and no other
     * producer fenced it. Any thread.
     */
    public boolean ready() {
        return initialised && !fenced;
    }

    /** Whether a commit timed out and must be resumed (by {@link #commit}) before anything else is sent. */
    public boolean commitPending() {
        return stage != Stage.OPEN;
    }

    /**
     * Whether another producer with this transactional id fenced this one: the sink then sends and commits nothing
     * more, and the worker must stop (see {@link #commit}).
     */
    public boolean isFenced() {
        return fenced;
    }

    /** Whether results or DLQ records were sent since the last commit (exactly-once mode: a transaction is open). */
    public boolean hasOpenTransaction() {
        return inTransaction;
    }

    private RuntimeException fencedBy(KafkaException e) {
        if (!fenced) {
            fenced = true;
            LOG.error("this worker's result producer was fenced: another producer with the same transactional id "
                    + "started (a restarted twin, or two workers sharing one kafka.transactional-id); it publishes "
                    + "and commits nothing more ({})", e.toString());
        }
        return Fencing.asFenced(e);
    }

    /** Drops the open transaction, if any. */
    public void abort() {
        if (fenced) {
            reset();
            return;
        }
        if (transactional && inTransaction) {
            try {
                producer.abortTransaction();
            } finally {
                reset();
            }
        }
    }

    private void reset() {
        open.clear();
        inTransaction = false;
        stage = Stage.OPEN;
        committing = Map.of();
        sendFailure.set(null);
        handedCount = 0;
    }

    @Override
    public void close() {
        try {
            producer.close(fenced ? Duration.ZERO : Duration.ofSeconds(30));
        } finally {
            closeProducerMetrics();
        }
    }
}
