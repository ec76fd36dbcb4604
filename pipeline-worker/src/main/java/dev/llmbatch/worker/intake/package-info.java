/**
 * Intake: the Kafka loop thread, split along the data flow. {@code Router} decides what a record is (a sealed
 * {@code Route}: dispatch, answer, dead-letter, follow, skip); {@code PartitionGate} is the one state machine of
 * which partitions may be read (restoring, open, withheld, plus backpressure); {@code CommitCoordinator} owns the
 * offset tracker, the result sink, held results and rewinds, and commits by group commit; {@code Intake} applies
 * one poll's routes and {@code KafkaLoop} wires them on its thread.
 */
package dev.llmbatch.worker.intake;
