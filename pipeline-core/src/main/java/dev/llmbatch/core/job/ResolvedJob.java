package dev.llmbatch.core.job;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmbatch.core.config.ModelPool;
import java.util.List;

/**
 * A job resolved against the worker's configuration: its model pool, final messages (task template applied),
 * effective max_tokens, and the tokens it reserves against a deployment's quota. Immutable.
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
        boolean batchable) {

    public ResolvedJob {
        messages = List.copyOf(messages);
    }

    public String id() {
        return job.id();
    }
}
