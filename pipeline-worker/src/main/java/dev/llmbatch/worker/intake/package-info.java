/**
 * Intake: the Kafka loop thread that polls jobs, validates them, applies backpressure by pausing partitions, and
 * commits offsets with the results.
 */
package dev.llmbatch.worker.intake;
