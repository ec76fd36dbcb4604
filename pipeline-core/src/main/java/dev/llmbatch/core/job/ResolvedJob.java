package dev.llmbatch.core.job;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmbatch.core.config.ModelPool;
import java.util.List;

/**
 * A job resolved against the worker's configuration: its model pool, final messages (task template applied),
 * effective max_tokens, and the tokens it reserves against a deployment's quota. A job that may be packed with
 * others carries the shared instruction and its own text ({@code batchInstruction}, {@code batchText}); both are
 * null otherwise. Immutable.
 */
public record ResolvedJob(
        Job job,
        ModelPool pool,
        List<ChatMessage> messages,
        int maxTokens,
        boolean maxTokensExplicit,
        Double temperature,
        JsonNode responseFormat,
        int promptTokens,
        long reserveTokens,
        String batchInstruction,
        String batchText) {

    public ResolvedJob {
        messages = List.copyOf(messages);
    }

    public String id() {
        return job.id();
    }

    /** Whether this job may be packed with others sharing {@link #batchInstruction()} (see BatchSettings). */
    public boolean batchable() {
        return batchInstruction != null;
    }
}
