package dev.llmbatch.producer;

import dev.llmbatch.core.job.Job;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * Publishes jobs to the jobs topic (key = job id, value = the job's JSON), with an idempotent producer
 * ({@code acks=all}), lz4 compression and a 5 ms linger.
 *
 * <p>At most {@code maxInFlight} sends are outstanding at a time: a submit beyond that blocks the calling thread until
 * an earlier send completes, so submitting a file of millions of jobs keeps memory bounded and runs at the broker's
 * pace.
 *
 * <p>Thread-safe: any number of threads may submit concurrently. The returned stages complete on the Kafka
 * producer's network thread; dependent actions that may block must use the {@code *Async} variants.
 *
 * <pre>{@code
 * try (JobSubmitter s = JobSubmitter.builder("localhost:9092").topic("llm.jobs").build()) {
 *     s.submit(job).toCompletableFuture().join();
 * }
 * }</pre>
 */
public interface JobSubmitter extends AutoCloseable {

    /** Default jobs topic. */
    String DEFAULT_TOPIC = "llm.jobs";
    /** Default bound on outstanding sends. */
    int DEFAULT_MAX_IN_FLIGHT = 10_000;

    /** Starts a builder for a submitter talking to {@code bootstrap} ({@code host:port[,host:port...]}). */
    static Builder builder(String bootstrap) {
        return new Builder(bootstrap);
    }

    /**
     * Sends one job, encoded with {@link dev.llmbatch.core.job.JobCodec#encode}, keyed by its id. Blocks while
     * {@code maxInFlight} sends are outstanding.
     *
     * @return completes when the broker acknowledged the record (all in-sync replicas), or exceptionally with the
     *         send's error; also completes exceptionally with {@link InterruptedException} if the thread is
     *         interrupted while blocked (the interrupt flag is kept)
     * @throws IllegalStateException if the submitter is closed
     */
    CompletionStage<Void> submit(Job job);

    /**
     * Sends bytes as they are, such as a JSONL line that has not been validated (the worker validates and dead-letters
     * bad records). Same blocking and completion rules as {@link #submit}.
     *
     * @param key the record key (the job id), or null for none
     */
    CompletionStage<Void> submitRaw(String key, byte[] value);

    /**
     * Sends everything buffered now and blocks until every submit that returned before this call has completed (its
     * stage is complete, successfully or not).
     */
    void flush();

    /** Sends what is buffered, waits for it, and releases the producer. Idempotent. */
    @Override
    void close();

    /**
     * Configures a {@link JobSubmitter}. Not thread-safe; {@link #build()} copies everything, so a builder may be
     * reused.
     */
    final class Builder {
        private final String bootstrap;
        private String topic = DEFAULT_TOPIC;
        private final Map<String, Object> clientProperties = new HashMap<>();
        private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;

        private Builder(String bootstrap) {
            this.bootstrap = Objects.requireNonNull(bootstrap, "bootstrap");
        }

        /** The jobs topic; default {@value JobSubmitter#DEFAULT_TOPIC}. */
        public Builder topic(String topic) {
            this.topic = Objects.requireNonNull(topic, "topic");
            return this;
        }

        /**
         * Extra producer properties (security, {@code client.id}, {@code batch.size}, ...), applied over the defaults.
         * Serializers, {@code enable.idempotence} and {@code acks} cannot be changed: the no-loss, no-duplicate
         * guarantee depends on them.
         */
        public Builder clientProperties(Map<String, ?> properties) {
            clientProperties.putAll(Objects.requireNonNull(properties, "properties"));
            return this;
        }

        /** Most sends outstanding before a submit blocks; default {@value JobSubmitter#DEFAULT_MAX_IN_FLIGHT}. */
        public Builder maxInFlight(int maxInFlight) {
            this.maxInFlight = maxInFlight;
            return this;
        }

        /**
         * Creates the submitter (and its Kafka producer).
         *
         * @throws IllegalArgumentException naming the setting that is invalid
         */
        public JobSubmitter build() {
            if (bootstrap.isBlank()) {
                throw new IllegalArgumentException("bootstrap must not be blank");
            }
            if (topic.isBlank()) {
                throw new IllegalArgumentException("topic must not be blank");
            }
            if (maxInFlight < 1) {
                throw new IllegalArgumentException("maxInFlight must be >= 1, got " + maxInFlight);
            }
            return KafkaJobSubmitter.create(bootstrap, topic, clientProperties, maxInFlight);
        }
    }
}
