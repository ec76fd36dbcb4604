package dev.llmbatch.worker.emission;

import dev.llmbatch.core.result.JobResult;

/** A job's final result with the record it answers, handed from the dispatcher to the Kafka loop. */
public record Completion(Ticket ticket, JobResult result) {
}
