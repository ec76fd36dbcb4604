/**
 * The worker's three topics (jobs, results, DLQ): their settings ({@link dev.llmbatch.worker.topics.PipelineTopics}),
 * the start-up check that fails fast naming a missing one or creates it
 * ({@link dev.llmbatch.worker.topics.TopicCheck}), and {@code bin/pipeline topics create|describe}
 * ({@link dev.llmbatch.worker.topics.TopicsCommand}). Everything here talks to the cluster through a short-lived
 * Kafka Admin client and runs on the caller's thread.
 */
package dev.llmbatch.worker.topics;
