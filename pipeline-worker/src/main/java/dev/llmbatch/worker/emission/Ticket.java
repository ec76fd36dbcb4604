package dev.llmbatch.worker.emission;

/**
 * Where a job came from: its record's partition and offset, and the intake generation it was read in (a rewind
 * after a failed transaction starts a new generation, and completions of older generations are dropped). Immutable.
 */
public record Ticket(String topic, int partition, long offset, long generation) {
}
