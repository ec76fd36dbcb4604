package dev.llmbatch.core.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Which URL form a deployment is called with (reference section 1). */
public enum ApiStyle {
    /** {@code {endpoint}/openai/deployments/{deployment}/chat/completions?api-version=...}, api-key header. */
    @JsonProperty("classic") CLASSIC,
    /** {@code {endpoint}/openai/v1/chat/completions}, deployment in the body's model field. */
    @JsonProperty("v1") V1,
    /** {@code {endpoint}/v1/chat/completions} with a Bearer key (OpenAI or any compatible server). */
    @JsonProperty("openai") OPENAI
}
