/** Emission: results, DLQ records and committed offsets leaving the worker through one Kafka producer. */
package dev.llmbatch.worker.emission;
