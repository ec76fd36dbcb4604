package dev.llmbatch.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.llmbatch.core.job.ChatMessage;
import dev.llmbatch.core.job.DecodeResult;
import dev.llmbatch.core.job.Job;
import dev.llmbatch.core.job.JobCodec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** Unit tests over kafka-clients' MockProducer; the broker tests cover the real producer. */
class JobSubmitterTest {
    private final MockProducer<String, byte[]> producer =
            new MockProducer<>(false, null, new StringSerializer(), new ByteArraySerializer());

    @Test
    void submit_job_keyIsIdAndValueIsTheEncodedJob() {
        KafkaJobSubmitter s = new KafkaJobSubmitter(producer, "jobs", 10);
        Job job = Job.ofMessages("r-1", "gpt-4o-mini", List.of(ChatMessage.user("hi")), 5);

        CompletionStage<Void> sent = s.submit(job);
        assertThat(sent.toCompletableFuture()).isNotDone();
        producer.completeNext();

        assertThat(sent.toCompletableFuture()).isCompleted();
        assertThat(producer.history()).singleElement().satisfies(r -> {
            assertThat(r.topic()).isEqualTo("jobs");
            assertThat(r.key()).isEqualTo("r-1");
            assertThat(JobCodec.decode(r.value())).isEqualTo(new DecodeResult.Valid(job));
        });
    }

    @Test
    void submitRaw_maxInFlightOutstanding_blocksTheCallerUntilOneCompletes() {
        KafkaJobSubmitter s = new KafkaJobSubmitter(producer, "jobs", 2);
        s.submitRaw("a", new byte[] {1});
        s.submitRaw("b", new byte[] {2});
        AtomicReference<CompletionStage<Void>> third = new AtomicReference<>();
        Thread caller = new Thread(() -> third.set(s.submitRaw("c", new byte[] {3})), "caller");
        caller.start();

        await().atMost(Duration.ofSeconds(5)).until(() -> caller.getState() == Thread.State.WAITING);
        assertThat(producer.history()).hasSize(2);
        assertThat(s.outstanding()).isEqualTo(2);

        producer.completeNext();

        await().atMost(Duration.ofSeconds(5)).until(() -> third.get() != null);
        assertThat(producer.history()).extracting(r -> r.key()).containsExactly("a", "b", "c");
        assertThat(s.outstanding()).isEqualTo(2);
    }

    @Test
    void submitRaw_sendFails_completesExceptionallyAndFreesTheSlot() {
        KafkaJobSubmitter s = new KafkaJobSubmitter(producer, "jobs", 1);
        CompletableFuture<Void> sent = s.submitRaw(null, new byte[] {1}).toCompletableFuture();

        producer.errorNext(new NotEnoughReplicasException("isr"));

        assertThat(sent).isCompletedExceptionally();
        assertThat(s.outstanding()).isZero();
    }

    @Test
    void submitRaw_interruptedWhileBlocked_failsAndKeepsTheInterrupt() {
        KafkaJobSubmitter s = new KafkaJobSubmitter(producer, "jobs", 1);
        s.submitRaw("a", new byte[] {1});

        Thread.currentThread().interrupt();
        CompletableFuture<Void> sent = s.submitRaw("b", new byte[] {2}).toCompletableFuture();

        assertThat(Thread.interrupted()).isTrue();
        assertThat(sent).isCompletedExceptionally();
        assertThat(producer.history()).hasSize(1);
    }

    @Test
    void submit_afterClose_throws() {
        KafkaJobSubmitter s = new KafkaJobSubmitter(producer, "jobs", 1);
        s.close();
        s.close();

        assertThatThrownBy(() -> s.submitRaw("a", new byte[] {1})).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void build_invalidSettings_throwNamingTheSetting() {
        assertThatThrownBy(() -> JobSubmitter.builder("localhost:9092").maxInFlight(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxInFlight");
        assertThatThrownBy(() -> JobSubmitter.builder(" ").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bootstrap");
        assertThatThrownBy(() -> JobSubmitter.builder("localhost:9092").topic("").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("topic");
    }

    @Test
    void producerProperties_clientOverrides_cannotWeakenDelivery() {
        Map<String, Object> p = KafkaJobSubmitter.producerProperties("h:1", Map.of(
                ProducerConfig.ACKS_CONFIG, "1", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false,
                ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.CLIENT_ID_CONFIG, "me"));

        assertThat(p).containsEntry(ProducerConfig.ACKS_CONFIG, "all")
                .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
                .containsEntry(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4")
                .containsEntry(ProducerConfig.LINGER_MS_CONFIG, 20)
                .containsEntry(ProducerConfig.CLIENT_ID_CONFIG, "me")
                .containsEntry(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "h:1");
    }
}
