package dev.llmbatch.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.config.Delivery;
import dev.llmbatch.core.config.KafkaSettings;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.ResultCodec;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.kafka.embedded.EmbeddedKafka;
import dev.llmbatch.worker.emission.ResultSink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The broker aborts a transaction that outlived transaction.timeout.ms (what happens when it was away for longer than
 * that): the next commit sends the same results again in a new transaction on a new producer, so they are published
 * once and nothing has to be asked of the LLM again. Real broker, real ResultSink.
 */
class TransactionRecoveryIT {

    @Test
    void transactionAbortedByTheBroker_isSentAgainOnCommit_everyResultVisibleExactlyOnce() throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.start(EmbeddedKafka.Options.builder()
                .brokerProperty("transaction.abort.timed.out.transaction.cleanup.interval.ms", "300").build());
        try {
            kafka.createTopics(Map.of("recovery.results", 2, "recovery.dlq", 1));
            String txId = "recovery-worker-0";
            KafkaSettings k = new KafkaSettings(kafka.bootstrapServers(), "recovery.jobs", "recovery.results",
                    "recovery.dlq", "recovery-group", Delivery.EXACTLY_ONCE, txId, Duration.ofMillis(100), 100, 3000,
                    Map.of("transaction.timeout.ms", "1500"));
            List<String> ids = new ArrayList<>();
            try (ResultSink sink = new ResultSink(k); Admin admin = admin(kafka)) {
                for (int i = 0; i < 50; i++) {
                    ids.add("rec-" + i);
                    sink.result(new JobResult("rec-" + i, Status.SUCCEEDED, "out-" + i, "stop", null, "r", "d", 1, 1,
                            5, 1, null, null, null, null, List.of("r:200")));
                }
                // the broker gives up on the open transaction and aborts it
                Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                        .until(() -> state(admin, txId) == TransactionState.COMPLETE_ABORT
                                || state(admin, txId) == TransactionState.EMPTY);
                assertThat(readCommitted(kafka, "recovery.results")).as("nothing visible from the aborted "
                        + "transaction").isEmpty();

                sink.commit(Map.of(), null);
            }
            Map<String, Integer> seen = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : readCommitted(kafka, "recovery.results")) {
                seen.merge(ResultCodec.decode(r.value()).id(), 1, Integer::sum);
            }
            assertThat(seen.keySet()).containsExactlyInAnyOrderElementsOf(ids);
            assertThat(seen.values()).containsOnly(1);
        } finally {
            kafka.close();
        }
    }

    private static Admin admin(EmbeddedKafka kafka) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        return Admin.create(p);
    }

    private static TransactionState state(Admin admin, String txId) throws Exception {
        return admin.describeTransactions(List.of(txId)).description(txId).get(10, TimeUnit.SECONDS).state();
    }

    private static List<ConsumerRecord<byte[], byte[]>> readCommitted(EmbeddedKafka kafka, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> tps = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps);
            List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(100)).forEach(out::add);
            }
            return out;
        }
    }
}
