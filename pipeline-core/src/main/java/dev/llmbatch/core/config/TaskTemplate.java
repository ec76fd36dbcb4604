package dev.llmbatch.core.config;

/**
 * A named instruction template (key {@code tasks.<name>}; keys and defaults under {@code tasks.*} in
 * {@code pipeline-defaults.yaml}): a job with {@code task} + {@code input} becomes a system message with
 * {@code system} and a user message with the input. {@code batchable} marks tasks whose small jobs may be packed
 * into one request; {@code adaptiveMaxTokens}, when set, overrides the pool's learned-budget settings for this task.
 * Immutable; validated on construction with messages that name the key.
 */
public record TaskTemplate(String name, String system, int maxTokens, Double temperature, boolean batchable,
        AdaptiveMaxTokens adaptiveMaxTokens) {

    public TaskTemplate {
        Check.nonBlank("name", name);
        Check.nonBlank("system", system);
        Check.atLeast("max-tokens", maxTokens, 1);
        if (temperature != null) {
            Check.between("temperature", temperature, 0, 2);
        }
    }
}
