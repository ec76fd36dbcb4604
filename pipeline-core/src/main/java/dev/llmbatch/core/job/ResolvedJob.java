package dev.llmbatch.core.job;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmbatch.core.config.AdaptiveMaxTokens;
import dev.llmbatch.core.config.ModelPool;
import java.util.List;

/**
 * A job resolved against the worker's configuration: its model pool, final messages (task template applied),
 * effective max_tokens, and the tokens it reserves against a deployment's quota. A job that may be packed with
 * others carries the shared instruction and its own text ({@code batchInstruction}, {@code batchText}); both are
 * null otherwise. {@code charRule} is the prompt by the service's character rule and {@code inputTokens} the
 * tokens of the user text; {@code lengthKey} names the instruction whose answer lengths are learned together (the
 * pool and the task, or a hash of the system prompt). Immutable.
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
        String batchText,
        int charRule,
        int inputTokens,
        String lengthKey,
        AdaptiveMaxTokens adaptive) {

    public ResolvedJob {
        messages = List.copyOf(messages);
    }

    /** A job whose answers are not learned and whose prompt counts by tokens only (tests). */
    public ResolvedJob(Job job, ModelPool pool, List<ChatMessage> messages, int maxTokens, boolean maxTokensExplicit,
            Double temperature, JsonNode responseFormat, int promptTokens, long reserveTokens,
            String batchInstruction, String batchText) {
        this(job, pool, messages, maxTokens, maxTokensExplicit, temperature, responseFormat, promptTokens,
                reserveTokens, batchInstruction, batchText, promptTokens, 0, null, null);
    }

    /**
     * The learned-budget settings for this job, or null when its answer must be sent with its own limit (the job says
     * strict_max_tokens, asks for n > 1, or learning is off for its instruction).
     */
    public AdaptiveMaxTokens adaptive() {
        return adaptive;
    }

    public String id() {
        return job.id();
    }

    /** Whether this job may be packed with others sharing {@link #batchInstruction()} (see BatchSettings). */
    public boolean batchable() {
        return batchInstruction != null;
    }
}
