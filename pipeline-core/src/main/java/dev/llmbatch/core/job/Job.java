package dev.llmbatch.core.job;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A prompt job as read from the jobs topic (contract in the README). Either {@code messages} is non-empty, or
 * {@code task} names a task template and {@code input} is its user text. Structural checks are done by
 * {@link JobCodec}; checks that need the worker's configuration (known model and task, context window) are done
 * when the job is resolved against a config. {@code strictMaxTokens} ({@code "strict_max_tokens": true}) sends the
 * job with its own max_tokens always, never a learned budget; {@code hedge} ({@code "hedge": false} turns it off) lets
 * the worker race a straggling call with a copy sent elsewhere. Immutable; the JSON parts are never mutated after decoding.
 */
public record Job(
        String id,
        String model,
        List<ChatMessage> messages,
        Integer maxTokens,
        Double temperature,
        JsonNode responseFormat,
        int n,
        String task,
        String input,
        String submitter,
        String batch,
        Priority priority,
        Instant deadline,
        JsonNode metadata,
        boolean strictMaxTokens,
        boolean hedge) {

    public Job {
        Objects.requireNonNull(id, "id");
        messages = messages == null ? List.of() : List.copyOf(messages);
        priority = priority == null ? Priority.NORMAL : priority;
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1");
        }
    }

    /** A job that may be hedged. */
    public Job(String id, String model, List<ChatMessage> messages, Integer maxTokens, Double temperature,
            JsonNode responseFormat, int n, String task, String input, String submitter, String batch,
            Priority priority, Instant deadline, JsonNode metadata, boolean strictMaxTokens) {
        this(id, model, messages, maxTokens, temperature, responseFormat, n, task, input, submitter, batch, priority,
                deadline, metadata, strictMaxTokens, true);
    }

    /** A job without {@code strict_max_tokens} (learned answer budgets allowed). */
    public Job(String id, String model, List<ChatMessage> messages, Integer maxTokens, Double temperature,
            JsonNode responseFormat, int n, String task, String input, String submitter, String batch,
            Priority priority, Instant deadline, JsonNode metadata) {
        this(id, model, messages, maxTokens, temperature, responseFormat, n, task, input, submitter, batch, priority,
                deadline, metadata, false);
    }

    /** A plain messages job, for tests and the producer API. */
    public static Job ofMessages(String id, String model, List<ChatMessage> messages, Integer maxTokens) {
        return new Job(id, model, messages, maxTokens, null, null, 1, null, null, null, null, Priority.NORMAL, null,
                null);
    }

    /** A task job, for tests and the producer API. */
    public static Job ofTask(String id, String model, String task, String input) {
        return new Job(id, model, List.of(), null, null, null, 1, task, input, null, null, Priority.NORMAL, null,
                null);
    }
}
