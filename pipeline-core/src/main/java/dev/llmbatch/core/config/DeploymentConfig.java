package dev.llmbatch.core.config;

import java.net.URI;

/**
 * One deployment of a model in one region, with its quota. With {@code auth: api-key} the key is named by
 * {@code apiKeyEnv} or {@code apiKeyFile}; with {@code auth: entra} both are null and the worker signs in with
 * Microsoft Entra ID ({@link DeploymentAuth}). A key or token never enters a config object. Immutable.
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
        int priority,
        DeploymentAuth auth) {

    /** A deployment reached with an API key ({@link DeploymentAuth#API_KEY}). */
    public DeploymentConfig(String region, URI endpoint, String deployment, ApiStyle apiStyle, String apiVersion,
            String apiKeyEnv, String apiKeyFile, long tpm, long rpm, int priority) {
        this(region, endpoint, deployment, apiStyle, apiVersion, apiKeyEnv, apiKeyFile, tpm, rpm, priority,
                DeploymentAuth.API_KEY);
    }

    /** Stable identifier used in logs, metrics and results: {@code region/deployment}. */
    public String id() {
        return region + "/" + deployment;
    }
}
