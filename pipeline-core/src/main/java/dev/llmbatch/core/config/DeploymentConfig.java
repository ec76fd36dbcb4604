package dev.llmbatch.core.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.net.URI;
import java.util.Set;

/**
 * One deployment of a model in one region, with its quota (an element of {@code models.<pool>.deployments}; keys and
 * defaults under {@code models.*.deployments[*]} in {@code pipeline-defaults.yaml}). With {@code auth: api-key} the
 * key is named by {@code apiKeyEnv} or {@code apiKeyFile}; with {@code auth: entra} both are null and the worker signs
 * in with Microsoft Entra ID ({@link DeploymentAuth}). A key or token never enters a config object. Immutable;
 * validated on construction with messages that name the key.
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

    public DeploymentConfig {
        Check.nonBlank("region", region);
        Check.present("endpoint", endpoint);
        String text = endpoint.toString();
        if (text.endsWith("/")) {
            endpoint = URI.create(text.substring(0, text.length() - 1));
        }
        if (endpoint.getScheme() == null || !Set.of("http", "https").contains(endpoint.getScheme())
                || endpoint.getHost() == null) {
            throw new ConfigException("endpoint", "must be an http(s) URL with a host, got " + text);
        }
        Check.nonBlank("deployment", deployment);
        Check.present("api-style", apiStyle);
        Check.nonBlank("api-version", apiVersion);
        apiKeyEnv = Check.blankToNull(apiKeyEnv);
        apiKeyFile = Check.blankToNull(apiKeyFile);
        Check.atLeast("tpm", tpm, 1);
        Check.atLeast("rpm", rpm, 1);
        Check.atLeast("priority", priority, 0);
        Check.present("auth", auth);
        if (auth.method() == DeploymentAuth.Method.ENTRA && (apiKeyEnv != null || apiKeyFile != null)) {
            throw new ConfigException(apiKeyEnv != null ? "api-key-env" : "api-key-file",
                    "does not apply to auth: entra (the worker signs in with Microsoft Entra ID); remove it");
        }
        if (auth.method() == DeploymentAuth.Method.API_KEY && apiKeyEnv == null && apiKeyFile == null) {
            throw new ConfigException("", "needs api-key-env or api-key-file (keys never go in the file), "
                    + "or auth: entra");
        }
    }

    /** A deployment reached with an API key ({@link DeploymentAuth#API_KEY}). */
    public DeploymentConfig(String region, URI endpoint, String deployment, ApiStyle apiStyle, String apiVersion,
            String apiKeyEnv, String apiKeyFile, long tpm, long rpm, int priority) {
        this(region, endpoint, deployment, apiStyle, apiVersion, apiKeyEnv, apiKeyFile, tpm, rpm, priority,
                DeploymentAuth.API_KEY);
    }

    /**
     * Binds the YAML shape, where the sign-in keys ({@code auth}, {@code tenant-id}, {@code client-id}) sit next to
     * the others instead of in a mapping of their own; {@code api-key} is declared only to be refused.
     */
    @JsonCreator
    static DeploymentConfig bind(@JsonProperty("region") String region, @JsonProperty("endpoint") URI endpoint,
            @JsonProperty("deployment") String deployment, @JsonProperty("api-style") ApiStyle apiStyle,
            @JsonProperty("api-version") String apiVersion, @JsonProperty("api-key-env") String apiKeyEnv,
            @JsonProperty("api-key-file") String apiKeyFile, @JsonProperty("api-key") String apiKey,
            @JsonProperty("tpm") long tpm, @JsonProperty("rpm") long rpm, @JsonProperty("priority") int priority,
            @JsonProperty("auth") DeploymentAuth.Method auth, @JsonProperty("tenant-id") String tenantId,
            @JsonProperty("client-id") String clientId) {
        if (apiKey != null) {
            throw new ConfigException("api-key", "is not allowed: name an environment variable (api-key-env) or a "
                    + "file (api-key-file) instead");
        }
        return new DeploymentConfig(region, endpoint, deployment, apiStyle, apiVersion, apiKeyEnv, apiKeyFile, tpm,
                rpm, priority, new DeploymentAuth(auth, tenantId, clientId));
    }

    /** Stable identifier used in logs, metrics and results: {@code region/deployment}. */
    public String id() {
        return region + "/" + deployment;
    }
}
