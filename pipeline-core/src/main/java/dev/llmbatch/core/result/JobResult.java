package dev.llmbatch.core.result;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Objects;

/**
 * One job's result, exactly as published on the results topic (contract in the README). {@code trace} lists each
 * attempt as {@code region:outcome} (e.g. {@code eastus:429}, {@code swedencentral:200}) so an operator can see why
 * a job took several attempts; it never contains prompt text. {@code budget} says which {@code max_tokens} produced
 * the answer (null when no call answered it). {@code hedged} is set when a second copy of the call raced the first
 * (null otherwise). Immutable.
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
        List<String> trace,
        Budget budget,
        Hedged hedged) {

    public JobResult {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(status, "status");
        usage = usage == null ? Usage.NONE : usage;
        trace = trace == null ? List.of() : List.copyOf(trace);
    }

    /** A result whose call was not hedged. */
    public JobResult(String id, Status status, String output, String finishReason, Usage usage, String region,
            String deployment, int attempts, int batchSize, long latencyMs, long queuedMs, ErrorInfo error,
            String submitter, String batch, JsonNode metadata, List<String> trace, Budget budget) {
        this(id, status, output, finishReason, usage, region, deployment, attempts, batchSize, latencyMs, queuedMs,
                error, submitter, batch, metadata, trace, budget, null);
    }

    /** A result that names no answer budget (no call answered it, or it was decoded from an older worker). */
    public JobResult(String id, Status status, String output, String finishReason, Usage usage, String region,
            String deployment, int attempts, int batchSize, long latencyMs, long queuedMs, ErrorInfo error,
            String submitter, String batch, JsonNode metadata, List<String> trace) {
        this(id, status, output, finishReason, usage, region, deployment, attempts, batchSize, latencyMs, queuedMs,
                error, submitter, batch, metadata, trace, null, null);
    }
}
