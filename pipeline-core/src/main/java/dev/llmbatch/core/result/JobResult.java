package dev.llmbatch.core.result;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Objects;

/**
 * One job's result, exactly as published on the results topic (contract in the README). {@code trace} lists each
 * attempt as {@code region:outcome} (e.g. {@code eastus:429}, {@code swedencentral:200}) so an operator can see why
 * a job took several attempts; it never contains prompt text. Immutable.
 */
public record JobResult(
        String id,
        Status status,
        String output,
        String finishReason,
        Usage usage,
        String region,
        String deployment,
        int attempts,
        int batchSize,
        long latencyMs,
        long queuedMs,
        ErrorInfo error,
        String submitter,
        String batch,
        JsonNode metadata,
        List<String> trace) {

    public JobResult {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(status, "status");
        usage = usage == null ? Usage.NONE : usage;
        trace = trace == null ? List.of() : List.copyOf(trace);
    }
}
