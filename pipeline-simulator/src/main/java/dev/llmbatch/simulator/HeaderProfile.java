package dev.llmbatch.simulator;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Which retry hints a deployment's 429 responses carry (reference 3.4); a client must cope with each.
 * {@code x-ms-region} and the {@code x-ratelimit-remaining-*} / {@code x-ratelimit-limit-*} headers are sent in
 * every profile. Immutable.
 */
public enum HeaderProfile {
    /** {@code retry-after} (whole seconds) and, unless {@code retry-after-ms-header: false}, {@code retry-after-ms}. */
    FULL("full"),
    /** No {@code retry-after*}; only the 2023-style {@code x-rate-limit-reset-tokens} (sic, seconds). */
    NO_RETRY_AFTER("no-retry-after"),
    /** No retry hint of any kind. */
    NONE("none");

    private final String yamlName;

    HeaderProfile(String yamlName) {
        this.yamlName = yamlName;
    }

    /** The name used in YAML. */
    @JsonValue
    public String yamlName() {
        return yamlName;
    }
}
