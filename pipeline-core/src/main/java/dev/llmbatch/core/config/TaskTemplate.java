package dev.llmbatch.core.config;

/**
 * A named instruction template: a job with {@code task} + {@code input} becomes a system message with
 * {@code system} and a user message with the input. {@code batchable} marks tasks whose small jobs may be packed
 * into one request. Immutable.
 */
public record TaskTemplate(String name, String system, int maxTokens, Double temperature, boolean batchable) {
}
