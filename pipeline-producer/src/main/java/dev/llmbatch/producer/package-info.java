/**
 * The submitting side of the pipeline: a Java API for publishing jobs to the jobs topic
 * ({@link dev.llmbatch.producer.JobSubmitter}) and following their results on the results topic
 * ({@link dev.llmbatch.producer.ResultFollower}), and the command-line pieces built on them:
 * {@code pipeline submit} ({@link dev.llmbatch.producer.SubmitCommand}) and {@code pipeline status}
 * ({@link dev.llmbatch.producer.StatusCommand}: consumer lag, backlog in tokens, ETA).
 *
 * <p>Everything here talks to Kafka only through kafka-clients; nothing here knows how a worker is configured.
 */
package dev.llmbatch.producer;
