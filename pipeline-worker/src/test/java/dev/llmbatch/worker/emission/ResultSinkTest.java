package dev.llmbatch.worker.emission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.ResultCodec;
import dev.llmbatch.core.result.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

class ResultSinkTest {
    private final List<MockProducer<byte[], byte[]>> made = new ArrayList<>();

    private ResultSink sink(boolean transactional) {
        return ResultSink.over(() -> {
            MockProducer<byte[], byte[]> p = new MockProducer<>(true, null, new ByteArraySerializer(),
                    new ByteArraySerializer());
            made.add(p);
            return p;
        }, transactional, "results", "dlq", 1 << 20);
    }

    static JobResult result(String id) {
        return new JobResult(id, Status.SUCCEEDED, "ok", "stop", null, "r", "d", 1, 1, 5, 1, null, null, null, null,
                List.of());
    }

    private static MockConsumer<byte[], byte[]> consumer() {
        return new MockConsumer<>("earliest") {
            @Override
            public synchronized ConsumerGroupMetadata groupMetadata() {
                return new ConsumerGroupMetadata("g");
            }
        };
    }

    @Test
    void commit_exactlyOnce_publishesResultsAndOffsetsInOneTransaction() {
        ResultSink sink = sink(true);
        byte[] sent = sink.result(result("a"));
        assertThat(sink.hasOpenTransaction()).isTrue();
        TopicPartition tp = new TopicPartition("jobs", 0);
        Map<TopicPartition, OffsetAndMetadata> done = sink.commit(Map.of(tp, new OffsetAndMetadata(1, "")),
                consumer());
        assertThat(done).containsKey(tp);
        MockProducer<byte[], byte[]> p = made.get(0);
        assertThat(p.transactionCommitted()).isTrue();
        assertThat(p.history()).hasSize(1);
        assertThat(ResultCodec.decode(p.history().get(0).value()).id()).isEqualTo("a");
        assertThat(sent).isEqualTo(p.history().get(0).value());
        assertThat(p.consumerGroupOffsetsHistory()).hasSize(1);
        assertThat(sink.hasOpenTransaction()).isFalse();
    }

    @Test
    void commit_recordsEachResultsTimeUntilVisible_onlyOnceTheTransactionCommitted() {
        dev.llmbatch.core.time.FakeTicker ticker = new dev.llmbatch.core.time.FakeTicker();
        dev.llmbatch.worker.admin.Metrics metrics = new dev.llmbatch.worker.admin.Metrics();
        ResultSink sink = ResultSink.over(() -> new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer()), true, "results", "dlq", 1 << 20, metrics, ticker);
        assertThat(sink.ready()).as("transactions initialised").isTrue();
        sink.result(result("a"));
        ticker.advance(java.time.Duration.ofMillis(300));
        sink.result(result("b"));
        ticker.advance(java.time.Duration.ofMillis(100));
        assertThat(metrics.render()).doesNotContain("llm_result_visible_seconds_count");

        sink.commit(Map.of(), consumer());

        assertThat(metrics.render()).containsPattern("(?m)^llm_result_visible_seconds_count 2$")
                .containsPattern("(?m)^llm_result_visible_seconds_sum 0\\.5$")
                .contains("# HELP llm_result_visible_seconds");
        sink.commit(Map.of(), consumer());
        assertThat(metrics.render()).as("nothing counted twice").containsPattern(
                "(?m)^llm_result_visible_seconds_count 2$");
    }

    /** Regression (issue 11): a fenced producer was replaced by a new one with the same id, fencing the live twin. */
    @Test
    void commit_producerFenced_throwsAndNeverReinitialisesTheTransactionalId() {
        ResultSink sink = sink(true);
        sink.result(result("a"));
        made.get(0).fenceProducer();
        assertThatThrownBy(() -> sink.commit(Map.of(), consumer())).isInstanceOf(ProducerFencedException.class);
        assertThat(made).as("no second producer with the same transactional id").hasSize(1);
        assertThat(sink.isFenced()).isTrue();
        assertThat(sink.ready()).as("a fenced sink is not ready").isFalse();
    }

    @Test
    void send_producerFenced_throwsAndNeverReinitialises() {
        ResultSink sink = sink(true);
        sink.result(result("a"));
        sink.commit(Map.of(), consumer());
        made.get(0).fenceProducer();
        assertThatThrownBy(() -> sink.result(result("b"))).isInstanceOf(ProducerFencedException.class);
        assertThat(made).hasSize(1);
        sink.abort(); // a fenced sink's abort does nothing more (and does not throw again)
    }

    @Test
    void commit_transactionAbortedByTheBroker_sendsTheSameRecordsAgainOnAFreshProducer() {
        ResultSink sink = sink(true);
        sink.result(result("a"));
        sink.result(result("b"));
        // what a real producer does when the coordinator aborted its transaction after transaction.timeout.ms
        made.get(0).commitTransactionException = new InvalidTxnStateException("aborted by the coordinator");
        made.get(0).abortTransactionException = new KafkaException("Cannot execute transactional method because we "
                + "are in an error state");
        sink.commit(Map.of(), consumer());
        assertThat(made).hasSize(2);
        MockProducer<byte[], byte[]> fresh = made.get(1);
        assertThat(fresh.transactionCommitted()).isTrue();
        assertThat(fresh.history()).extracting(r -> ResultCodec.decode(r.value()).id()).containsExactly("a", "b");
    }
}
