package dev.llmbatch.simulator;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Which of the observed Azure OpenAI 429 bodies a deployment returns (reference 3.5). All carry the wait in whole
 * seconds in the message; token and request limits are worded "token rate limit" and "call rate limit".
 * Immutable.
 */
public enum BodyStyle {
    /** {@code {"error":{"code":"429","message":"Requests to the ChatCompletions_Create Operation ... Please retry after N seconds. ..."}}} */
    LEGACY("legacy"),
    /** {@code {"error":{"code":"429","message":"Rate limit is exceeded. Try again in N seconds."}}} */
    SHORT("short"),
    /** Late-2025 {@code {"error":{"code":"RateLimitReached","message":"Your requests to ... Please retry after N seconds. ..."}}} */
    RATE_LIMIT_REACHED("rate-limit-reached");

    private final String yamlName;

    BodyStyle(String yamlName) {
        this.yamlName = yamlName;
    }

    /** The name used in YAML. */
    @JsonValue
    public String yamlName() {
        return yamlName;
    }
}
