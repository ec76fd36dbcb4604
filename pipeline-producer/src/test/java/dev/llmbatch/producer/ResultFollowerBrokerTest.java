package dev.llmbatch.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.ResultCodec;
import dev.llmbatch.kafka.embedded.EmbeddedKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link ResultFollower} against a real broker, with results written the way the transactional worker does. */
class ResultFollowerBrokerTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static EmbeddedKafka kafka;
    private static KafkaProducer<String, byte[]> producer;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.start();
        producer = TestResults.transactionalProducer(kafka.bootstrapServers());
    }

    @AfterAll
    static void stopBroker() {
        if (producer != null) {
            producer.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    private static void transaction(String topic, boolean commit, JobResult... results) {
        producer.beginTransaction();
        for (JobResult r : results) {
            producer.send(new ProducerRecord<>(topic, r.id(), ResultCodec.encode(r)));
        }
        if (commit) {
            producer.commitTransaction();
        } else {
            producer.flush();
            producer.abortTransaction();
        }
    }

    @Test
    void await_committedAbortedAndDuplicateResults_firstCommittedResultOncePerId() {
        String topic = "follow-mixed";
        kafka.createTopic(topic, 2);
        transaction(topic, true, TestResults.succeeded("r-1", "before-follower"));
        Map<String, String> seen = new LinkedHashMap<>();
        List<int[]> progress = new ArrayList<>();

        try (ResultFollower follower = ResultFollower.fromNow(kafka.bootstrapServers(), topic)) {
            transaction(topic, true, TestResults.succeeded("r-1", "first"), TestResults.succeeded("r-2", "two"));
            transaction(topic, false, TestResults.succeeded("r-3", "aborted"), TestResults.succeeded("r-4", "aborted"));
            transaction(topic, true, TestResults.succeeded("r-3", "committed"), TestResults.succeeded("r-1", "dup"),
                    TestResults.succeeded("r-5", "not awaited"));

            follower.await(Set.of("r-1", "r-2", "r-3"), r -> {
                assertThat(seen.put(r.id(), r.output())).as("second result for " + r.id()).isNull();
            }, WAIT, (done, total) -> progress.add(new int[] {done, total}));

            assertThat(seen).containsOnly(Map.entry("r-1", "first"), Map.entry("r-2", "two"),
                    Map.entry("r-3", "committed"));
            assertThat(progress.get(0)).containsExactly(0, 3);
            assertThat(progress.get(progress.size() - 1)).containsExactly(3, 3);

            // r-4 was only ever written in the aborted transaction: a read_committed follower never sees it.
            assertThatThrownBy(() -> follower.await(Set.of("r-4"), r -> seen.put(r.id(), r.output()),
                    Duration.ofSeconds(1), ProgressListener.none()))
                    .isInstanceOfSatisfying(ResultTimeoutException.class, e -> {
                        assertThat(e.missing()).isEqualTo(1);
                        assertThat(e.total()).isEqualTo(1);
                        assertThat(e.missingExamples()).containsExactly("r-4");
                        assertThat(e).hasMessage("timed out after 1s waiting for results: 1 of 1 missing (e.g. r-4)");
                    });
            assertThat(seen).doesNotContainKey("r-4");
        }
    }

    @Test
    void await_fromBeginning_seesResultsWrittenBeforeConstruction() {
        String topic = "follow-history";
        kafka.createTopic(topic, 3);
        transaction(topic, true, TestResults.succeeded("h-1", "a"), TestResults.succeeded("h-2", "b"));
        List<String> seen = new ArrayList<>();

        try (ResultFollower follower = ResultFollower.fromBeginning(kafka.bootstrapServers(), topic)) {
            follower.await(Set.of("h-1", "h-2"), r -> seen.add(r.id()), WAIT, ProgressListener.none());
        }

        assertThat(seen).containsExactlyInAnyOrder("h-1", "h-2");
    }

    @Test
    void await_notAResultRecord_skippedAndReadingGoesOn() {
        String topic = "follow-garbage";
        kafka.createTopic(topic, 1);
        List<String> seen = new ArrayList<>();

        try (ResultFollower follower = ResultFollower.fromNow(kafka.bootstrapServers(), topic)) {
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "g-0", "not json".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            producer.send(new ProducerRecord<>(topic, "g-0", null));
            producer.send(new ProducerRecord<>(topic, "g-1", ResultCodec.encode(TestResults.succeeded("g-1", "x"))));
            producer.commitTransaction();

            follower.await(Set.of("g-1"), r -> seen.add(r.id()), WAIT, ProgressListener.none());
        }

        assertThat(seen).containsExactly("g-1");
    }

    @Test
    void await_noIds_returnsAtOnce() {
        kafka.createTopic("follow-empty", 1);
        try (ResultFollower follower = ResultFollower.fromNow(kafka.bootstrapServers(), "follow-empty")) {
            follower.await(Set.of(), r -> {
                throw new AssertionError("no result expected");
            }, Duration.ofMillis(1), ProgressListener.none());
        }
    }

    @Test
    void fromNow_topicMissing_throwsNamingTheTopic() {
        assertThatThrownBy(() -> ResultFollower.fromNow(kafka.bootstrapServers(), "follow-nope"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("'follow-nope' does not exist");
    }
}
