/**
 * What a worker learns and keeps across restarts: answer lengths per instruction, in a compacted Kafka topic. Data
 * flow: the dispatcher learns; {@link dev.llmbatch.worker.state.LearnedStateTopic} writes what changed and reads it
 * back when a worker starts.
 */
package dev.llmbatch.worker.state;
