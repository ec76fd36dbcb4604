package dev.llmbatch.core.config;

import java.net.URI;

/**
 * One deployment of a model in one region, with its quota. The key is named by {@code apiKeyEnv} or
 * {@code apiKeyFile}; the key itself never enters a config object. Immutable.
 */
public record DeploymentConfig(
        String region,
        URI endpoint,
        String deployment,
        ApiStyle apiStyle,
        String apiVersion,
        String apiKeyEnv,
        String apiKeyFile,
        long tpm,
        long rpm,
        int priority) {

    /** Stable identifier used in logs, metrics and results: {@code region/deployment}. */
    public String id() {
        return region + "/" + deployment;
    }
}
