package dev.llmbatch.worker.intake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.config.ConfigLoader;
import dev.llmbatch.core.config.Delivery;
import dev.llmbatch.core.config.KafkaSettings;
import dev.llmbatch.core.config.WorkerSettings.IdempotencySettings;
import dev.llmbatch.core.job.JobResolver;
import dev.llmbatch.core.result.ResultCodec;
import dev.llmbatch.core.time.Ticker;
import dev.llmbatch.worker.admin.Metrics;
import dev.llmbatch.worker.dispatch.Item;
import dev.llmbatch.worker.emission.Completion;
import dev.llmbatch.worker.emission.ResultSink;
import dev.llmbatch.worker.emission.Ticket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The loop's wiring on MockConsumer and MockProducer: a job out, its result and offset in one transaction. */
class KafkaLoopTest {
    private static final TopicPartition P0 = new TopicPartition("jobs", 0);
    private static final String CONFIG = """
            models:
              gpt-4o-mini:
                encoding: o200k_base
                deployments:
                  - {region: r1, endpoint: "http://127.0.0.1:1", deployment: d, api-key-env: K, tpm: 100000, rpm: 600}
            tasks:
              sentiment: {system: "Classify the sentiment.", max-tokens: 5}
            """;
    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest") {
        @Override
        public synchronized ConsumerGroupMetadata groupMetadata() {
            return new ConsumerGroupMetadata("g");
        }
    };
    private final List<MockProducer<byte[], byte[]>> producers = new CopyOnWriteArrayList<>();
    private final List<Item> dispatched = new CopyOnWriteArrayList<>();
    private final Queue<Completion> completions = new ConcurrentLinkedQueue<>();
    private KafkaLoop loop;
    private Thread thread;

    private void start() {
        KafkaSettings k = new KafkaSettings("localhost:1", "jobs", "results", "dlq", "g", Delivery.EXACTLY_ONCE,
                "tx-0", Duration.ofSeconds(60), 500, 3000, Map.of());
        KafkaLoop.Clients clients = new KafkaLoop.Clients() {
            @Override
            public Consumer<byte[], byte[]> consumer() {
                return consumer;
            }

            @Override
            public ResultSink sink() {
                return ResultSink.over(() -> {
                    MockProducer<byte[], byte[]> p = new MockProducer<>(true, null, new ByteArraySerializer(),
                            new ByteArraySerializer());
                    producers.add(p);
                    return p;
                }, true, "results", "dlq", 1 << 20);
            }
        };
        loop = new KafkaLoop(k, new JobResolver(ConfigLoader.parse(CONFIG, Map.of()), p -> 10_000),
                dispatched::addAll, completions, new Metrics(), Clock.systemUTC(), Ticker.system(), 100,
                Duration.ofSeconds(5), new IdempotencySettings(false, Duration.ofMinutes(1), 10), clients);
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(P0));
            consumer.updateBeginningOffsets(Map.of(P0, 0L));
        });
        thread = new Thread(loop, "test-kafka-loop");
        thread.start();
    }

    private void job(long offset, String id) {
        consumer.schedulePollTask(() -> consumer.addRecord(new ConsumerRecord<>("jobs", 0, offset,
                id.getBytes(StandardCharsets.UTF_8), ("{\"id\":\"" + id + "\",\"model\":\"gpt-4o-mini\",\"task\":"
                        + "\"sentiment\",\"input\":\"Great\"}").getBytes(StandardCharsets.UTF_8))));
    }

    private static Completion answer(Item item, String id) {
        Ticket t = ticketOf(item);
        return new Completion(t, ResultSinkResults.succeeded(id));
    }

    private static Ticket ticketOf(Item item) {
        try {
            var f = Item.class.getDeclaredField("ticket");
            f.setAccessible(true);
            return (Ticket) f.get(item);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (loop != null) {
            loop.stop();
            assertThat(loop.awaitTermination(Duration.ofSeconds(20))).isTrue();
        }
    }

    @Test
    void job_isDispatched_andItsResultCommittedWithItsOffset_atOnce() {
        start();
        job(0, "a");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> dispatched.size() == 1);
        assertThat(loop.inFlight()).isEqualTo(1);
        completions.add(answer(dispatched.get(0), "a"));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !producers.get(0).history().isEmpty());
        MockProducer<byte[], byte[]> p = producers.get(0);
        assertThat(ResultCodec.decode(p.history().get(0).value()).id()).isEqualTo("a");
        assertThat(p.consumerGroupOffsetsHistory()).isNotEmpty();
        assertThat(p.consumerGroupOffsetsHistory().get(0).get("g").get(P0).offset()).isEqualTo(1);
        assertThat(loop.inFlight()).isZero();
    }

    /** Issue 11: a fenced producer ends the loop with that failure; no new producer takes the transactional id. */
    @Test
    void fencedProducer_stopsTheLoopWithTheFailure_andNeverReinitialisesTheId() throws Exception {
        start();
        job(0, "a");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> dispatched.size() == 1);
        producers.get(0).fenceProducer();
        completions.add(answer(dispatched.get(0), "a"));
        assertThat(loop.awaitTermination(Duration.ofSeconds(10))).isTrue();
        assertThat(loop.failure()).isInstanceOf(ProducerFencedException.class);
        assertThat(producers).hasSize(1);
        assertThat(consumer.closed()).isTrue();
        assertThat(loop.isRunning()).isFalse();
    }
}
