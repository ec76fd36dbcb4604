package dev.llmbatch.kafka.embedded;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Idempotent topic creation that returns only once every partition is served by its leader, so that a consumer
 * started right afterwards does not race the metadata propagation.
 *
 * <p>Why a poll: in KRaft, CreateTopics returns once the controller has committed the topic, but the broker learns
 * about it from the metadata log a moment later (seconds on a loaded machine right after a restart), and until then
 * answers UNKNOWN_TOPIC_OR_PARTITION. The 4.x Admin client no longer retries that error for ListOffsets, so this
 * retries it, pausing through the given {@link Pause} between attempts.
 *
 * <p>A topic that already exists is accepted as it is, whatever its partition count. The replication factor is the
 * broker's {@code default.replication.factor}. Stateless and thread-safe; blocks the calling thread.
 */
final class Topics {
  private static final Duration RETRY_PAUSE = Duration.ofMillis(50);
  private static final long CALL_TIMEOUT_MILLIS = 5_000;

  /** How to wait between two attempts; may throw to abort (e.g. when the broker process died meanwhile). */
  @FunctionalInterface
  interface Pause {
    void pause(Duration duration) throws InterruptedException;
  }

  private Topics() {}

  /**
   * Creates the topics (name to partition count) that do not exist yet and waits until all of them are usable.
   *
   * @throws TimeoutException if that takes longer than {@code timeout}
   * @throws KafkaException if the broker refuses a topic (invalid name, partition count ...)
   * @throws InterruptException if the calling thread is interrupted
   */
  static void create(Admin admin, Map<String, Integer> partitionsByTopic, Duration timeout, Pause pause) {
    Objects.requireNonNull(admin, "admin");
    Objects.requireNonNull(pause, "pause");
    partitionsByTopic.forEach((name, partitions) -> {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("topic name must not be blank");
      }
      if (partitions == null || partitions < 1) {
        throw new IllegalArgumentException("partitions of topic " + name + " must be >= 1, was " + partitions);
      }
    });
    if (partitionsByTopic.isEmpty()) {
      return;
    }
    long deadline = System.nanoTime() + timeout.toNanos();

    List<NewTopic> newTopics = new ArrayList<>();
    partitionsByTopic.forEach((name, partitions) ->
        newTopics.add(new NewTopic(name, Optional.of(partitions), Optional.empty())));
    CreateTopicsResult created =
        admin.createTopics(newTopics, new CreateTopicsOptions().timeoutMs(callTimeout(deadline)));

    Map<String, Integer> actualPartitions = new HashMap<>(partitionsByTopic);
    List<String> existing = new ArrayList<>();
    for (Map.Entry<String, KafkaFuture<Void>> e : created.values().entrySet()) {
      try {
        await(e.getValue(), deadline);
      } catch (TopicExistsException alreadyThere) {
        existing.add(e.getKey());
      }
    }
    if (!existing.isEmpty()) {
      Map<String, TopicDescription> descriptions = await(admin.describeTopics(existing,
          new DescribeTopicsOptions().timeoutMs(callTimeout(deadline))).allTopicNames(), deadline);
      descriptions.forEach((name, d) -> actualPartitions.put(name, d.partitions().size()));
    }

    Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
    actualPartitions.forEach((name, count) -> {
      for (int p = 0; p < count; p++) {
        partitions.put(new TopicPartition(name, p), OffsetSpec.latest());
      }
    });
    awaitServed(admin, partitions, deadline, pause);
  }

  /** ListOffsets succeeds for a partition only once its leader has the topic and is serving it. */
  private static void awaitServed(Admin admin, Map<TopicPartition, OffsetSpec> partitions, long deadline,
                                  Pause pause) {
    while (true) {
      try {
        await(admin.listOffsets(partitions, new ListOffsetsOptions().timeoutMs(callTimeout(deadline))).all(),
            deadline);
        return;
      } catch (RetriableException notYet) {
        if (deadline - System.nanoTime() <= 0) {
          throw new TimeoutException("partitions " + partitions.keySet() + " were not served in time", notYet);
        }
      }
      try {
        pause.pause(RETRY_PAUSE);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptException(e);
      }
    }
  }

  private static int callTimeout(long deadline) {
    long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
    return (int) Math.max(1, Math.min(CALL_TIMEOUT_MILLIS, left));
  }

  /** Waits for an Admin result, unwrapping its failure into the Kafka exception it carries. */
  private static <T> T await(KafkaFuture<T> future, long deadline) {
    try {
      // The Admin call has its own timeout; the extra second only guards against a call that never completes.
      return future.get(callTimeout(deadline) + 1_000L, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptException(e);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new TimeoutException("the Admin call did not complete in time", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof KafkaException kafkaException) {
        throw kafkaException;
      }
      throw new KafkaException(cause);
    }
  }
}
