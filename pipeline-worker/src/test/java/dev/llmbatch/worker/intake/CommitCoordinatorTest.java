package dev.llmbatch.worker.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbatch.core.config.Delivery;
import dev.llmbatch.core.config.KafkaSettings;
import dev.llmbatch.core.offsets.OffsetTracker;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.ResultCodec;
import dev.llmbatch.core.time.FakeTicker;
import dev.llmbatch.worker.admin.Metrics;
import dev.llmbatch.worker.emission.ResultSink;
import dev.llmbatch.worker.emission.Ticket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

class CommitCoordinatorTest {
    private static final TopicPartition P0 = new TopicPartition("jobs", 0);
    private static final Duration INTERVAL = Duration.ofMillis(100);
    private final FakeTicker ticker = new FakeTicker();
    private final Metrics metrics = new Metrics();
    private final List<MockProducer<byte[], byte[]>> producers = new ArrayList<>();
    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest") {
        @Override
        public synchronized ConsumerGroupMetadata groupMetadata() {
            return new ConsumerGroupMetadata("g");
        }
    };

    private CommitCoordinator coordinator(Delivery delivery) {
        KafkaSettings k = new KafkaSettings("localhost:1", "jobs", "results", "dlq", "g", delivery, "tx-0", INTERVAL,
                500, 256, Map.of());
        ResultSink sink = ResultSink.over(() -> {
            MockProducer<byte[], byte[]> p = new MockProducer<>(true, null, new ByteArraySerializer(),
                    new ByteArraySerializer());
            producers.add(p);
            return p;
        }, delivery == Delivery.EXACTLY_ONCE, "results", "dlq", 1 << 20);
        consumer.assign(List.of(P0));
        consumer.updateBeginningOffsets(Map.of(P0, 0L));
        return new CommitCoordinator(k, consumer, sink, ticker, metrics);
    }

    private MockProducer<byte[], byte[]> producer() {
        return producers.get(producers.size() - 1);
    }

    private static Ticket ticket(CommitCoordinator c, long offset) {
        return new Ticket("jobs", 0, offset, c.generation());
    }

    private List<String> published() {
        List<String> ids = new ArrayList<>();
        producers.forEach(p -> p.history().forEach(r -> ids.add(ResultCodec.decode(r.value()).id())));
        return ids;
    }

    private long committed() {
        OffsetAndMetadata o = consumer.committed(Set.of(P0)).get(P0);
        if (o != null) {
            return o.offset();
        }
        return producer().consumerGroupOffsetsHistory().stream().flatMap(m -> m.values().stream())
                .flatMap(m -> m.values().stream()).mapToLong(OffsetAndMetadata::offset).max().orElse(-1);
    }

    /** Issue 11: a result waited for the next 100 ms tick before it was visible; now it commits at once. */
    @Test
    void exactlyOnce_resultWaiting_commitsAtOnce_withoutWaitingForTheInterval() {
        CommitCoordinator c = coordinator(Delivery.EXACTLY_ONCE);
        c.track(P0, 0);
        c.answer(ticket(c, 0), ResultSinkResults.succeeded("a"));
        c.commitIfDue();
        assertThat(producer().transactionCommitted()).isTrue();
        assertThat(committed()).isEqualTo(1);
        assertThat(c.pending()).isZero();
    }

    @Test
    void exactlyOnce_nothingWaiting_commitsOffsetsOnlyAtTheInterval() {
        CommitCoordinator c = coordinator(Delivery.EXACTLY_ONCE);
        assertThat(c.track(P0, 0)).isTrue();
        c.commitIfDue();
        assertThat(producer().consumerGroupOffsetsHistory()).isEmpty();
        ticker.advance(INTERVAL);
        c.commitIfDue();
        assertThat(producer().transactionCommitted()).isTrue();
        assertThat(committed()).isEqualTo(0);
    }

    @Test
    void atLeastOnce_commitsOnTheInterval_resultsSentAtOnce() {
        CommitCoordinator c = coordinator(Delivery.AT_LEAST_ONCE);
        c.track(P0, 0);
        c.answer(ticket(c, 0), ResultSinkResults.succeeded("a"));
        assertThat(published()).containsExactly("a");
        c.commitIfDue();
        assertThat(consumer.committed(Set.of(P0))).isEmpty();
        ticker.advance(INTERVAL);
        c.commitIfDue();
        assertThat(committed()).isEqualTo(1);
    }

    @Test
    void answer_ofAnOlderGenerationOrARevokedPartition_isDropped() {
        CommitCoordinator c = coordinator(Delivery.EXACTLY_ONCE);
        c.track(P0, 0);
        assertThat(c.answer(new Ticket("jobs", 0, 0, c.generation() + 1), ResultSinkResults.succeeded("x")))
                .isNull();
        c.revoked(List.of(P0));
        assertThat(c.answer(ticket(c, 0), ResultSinkResults.succeeded("a"))).isNull();
        assertThat(published()).isEmpty();
        assertThat(metrics.total("llm_completions_dropped_total")).isEqualTo(2);
    }

    @Test
    void deadLetter_sendsTheOriginalAndCompletesTheRecord() {
        CommitCoordinator c = coordinator(Delivery.EXACTLY_ONCE);
        c.track(P0, 0);
        c.deadLetter(new ConsumerRecord<>("jobs", 0, 0, "k".getBytes(), "bad".getBytes()), "invalid_json", "m");
        assertThat(c.pending()).isZero();
        c.commitIfDue();
        assertThat(producer().history()).hasSize(1);
        assertThat(producer().history().get(0).topic()).isEqualTo("dlq");
        assertThat(committed()).isEqualTo(1);
    }

    @Test
    void metadataFull_holdsResults_andReleasesThemOnceTheLowestIsAnswered() {
        CommitCoordinator c = coordinator(Delivery.EXACTLY_ONCE);
        long offset = 0;
        int heldAt = -1;
        for (; offset < 400; offset += 2) {
            if (c.intakeBlocked(P0)) {
                break;
            }
            c.track(P0, offset);
            c.track(P0, offset + 1);
        }
        for (long o = 1; o < offset; o += 2) {
            if (c.answer(ticket(c, o), ResultSinkResults.succeeded("odd-" + o)) == null) {
                heldAt = (int) o;
                break;
            }
        }
        assertThat(heldAt).as("a result is held once the metadata is full").isPositive();
        assertThat(c.held()).isEqualTo(1);
        List<String> released = new ArrayList<>();
        for (long o = 0; o < offset && c.held() > 0; o += 2) {
            c.answer(ticket(c, o), ResultSinkResults.succeeded("even-" + o));
            c.releaseHeld((r, bytes) -> released.add(r.id()));
        }
        assertThat(released).containsExactly("odd-" + heldAt);
        assertThat(c.held()).isZero();
    }

    @Test
    void commitTimeout_holdsTheTransaction_untilTheBrokerAnswers() {
        CommitCoordinator c = coordinator(Delivery.EXACTLY_ONCE);
        c.track(P0, 0);
        c.answer(ticket(c, 0), ResultSinkResults.succeeded("a"));
        producer().commitTransactionException = new TimeoutException("broker away");
        c.commitIfDue();
        assertThat(metrics.total("llm_commit_timeouts_total")).isEqualTo(1);
        assertThat(c.stalled()).isTrue();
        producer().commitTransactionException = null;
        ticker.advance(Duration.ofSeconds(3));
        assertThat(c.stalled()).isFalse();
        assertThat(producer().transactionCommitted()).isTrue();
        assertThat(producers).hasSize(1);
    }

    @Test
    void lostTransaction_isAborted_andThePartitionsAreReadAgainFromTheirCommits_inANewGeneration() {
        CommitCoordinator c = coordinator(Delivery.EXACTLY_ONCE);
        consumer.commitSync(Map.of(P0, new OffsetAndMetadata(0, "")));
        c.track(P0, 0);
        c.track(P0, 1);
        c.answer(ticket(c, 0), ResultSinkResults.succeeded("a"));
        consumer.seek(P0, 2);
        producer().commitTransactionException = new KafkaException("lost");
        producer().abortTransactionException = null;
        // the retry on the same producer fails too: the transaction is lost
        c.commitIfDue();
        assertThat(c.rewindPending()).isTrue();
        long before = c.generation();
        assertThat(c.rewindIfNeeded()).containsExactly(P0);
        assertThat(c.generation()).isEqualTo(before + 1);
        assertThat(consumer.position(P0)).isZero();
        assertThat(c.pending()).isZero();
        assertThat(c.track(P0, 0)).isTrue();
    }

    @Test
    void rewind_brokerAway_isTriedAgain() {
        // MockConsumer's committed() never times out: a subclass models the broker being away
        CommitCoordinator away = new CommitCoordinator(new KafkaSettings("localhost:1", "jobs", "results", "dlq",
                "g", Delivery.EXACTLY_ONCE, "tx", INTERVAL, 500, 256, Map.of()), new MockConsumer<>("earliest") {
                    @Override
                    public synchronized Map<TopicPartition, OffsetAndMetadata> committed(
                            Set<TopicPartition> partitions, Duration timeout) {
                        throw new TimeoutException("broker away");
                    }
                }, ResultSink.over(() -> new MockProducer<>(true, null, new ByteArraySerializer(),
                        new ByteArraySerializer()), true, "results", "dlq", 1 << 20), ticker, metrics);
        away.lost(List.of());
        assertThat(away.rewindIfNeeded()).isNull();
        assertThat(away.rewindPending()).isTrue();
        assertThat(away.restore(List.of(P0))).isFalse();
    }

    @Test
    void restoredCommit_skipsTheRecordsItRecordsAsAnswered() {
        OffsetTracker<TopicPartition> earlier = new OffsetTracker<>(256);
        earlier.track(P0, 5);
        earlier.track(P0, 6);
        earlier.track(P0, 7);
        earlier.complete(P0, 6);
        OffsetTracker.Commit commit = earlier.toCommit().get(P0);
        CommitCoordinator c = coordinator(Delivery.EXACTLY_ONCE);
        consumer.commitSync(Map.of(P0, new OffsetAndMetadata(commit.offset(), commit.metadata())));
        assertThat(c.restore(List.of(P0))).isTrue();
        assertThat(c.track(P0, 5)).isTrue();
        assertThat(c.track(P0, 6)).as("answered before the restart").isFalse();
        assertThat(c.track(P0, 7)).isTrue();
    }

    @Test
    void fencedProducer_isFatal_neitherRewoundNorReinitialised() {
        CommitCoordinator c = coordinator(Delivery.EXACTLY_ONCE);
        c.track(P0, 0);
        c.answer(ticket(c, 0), ResultSinkResults.succeeded("a"));
        producer().fenceProducer();
        assertThatThrownBy(c::commitIfDue).isInstanceOf(ProducerFencedException.class);
        assertThat(c.rewindPending()).isFalse();
        assertThat(producers).hasSize(1);
    }

    @Test
    void lostPartitions_abortTheOpenTransaction_andRewind() {
        CommitCoordinator c = coordinator(Delivery.EXACTLY_ONCE);
        c.track(P0, 0);
        c.answer(ticket(c, 0), ResultSinkResults.succeeded("a"));
        c.lost(List.of(P0));
        assertThat(producer().transactionAborted()).isTrue();
        assertThat(c.rewindPending()).isTrue();
        JobResult late = ResultSinkResults.succeeded("late");
        assertThat(c.answer(ticket(c, 0), late)).isNull();
    }
}
