package dev.llmbatch.core.config;

/**
 * A named instruction template: a job with {@code task} + {@code input} becomes a system message with
 * {@code system} and a user message with the input. {@code batchable} marks tasks whose small jobs may be packed
 * into one request; {@code adaptiveMaxTokens}, when set, overrides the pool's learned-budget settings for this task.
 * Immutable.
 */
public record TaskTemplate(String name, String system, int maxTokens, Double temperature, boolean batchable,
        AdaptiveMaxTokens adaptiveMaxTokens) {

    /** A task that uses its model pool's learned-budget settings. */
    public TaskTemplate(String name, String system, int maxTokens, Double temperature, boolean batchable) {
        this(name, system, maxTokens, temperature, batchable, null);
    }
}
