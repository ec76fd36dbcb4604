package dev.llmbatch.core.config;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * How the worker proves who it is to one deployment: with an API key (named by the deployment's
 * {@code api-key-env} or {@code api-key-file}) or with a Microsoft Entra ID token ({@code auth: entra}). Plain values
 * only: the credential itself is built and held by the worker, never here. Immutable.
 *
 * @param method   {@code auth:} {@code api-key} (the default) or {@code entra}
 * @param tenantId {@code tenant-id}: the Entra tenant to sign in to; null for the credential's default
 * @param clientId {@code client-id}: a user-assigned managed (or workload) identity; null for the system-assigned one
 */
public record DeploymentAuth(Method method, String tenantId, String clientId) {
    /** An API key, today's default. */
    public static final DeploymentAuth API_KEY = new DeploymentAuth(Method.API_KEY, null, null);

    public DeploymentAuth {
        Check.present("auth", method);
        tenantId = Check.blankToNull(tenantId);
        clientId = Check.blankToNull(clientId);
        if (method == Method.API_KEY && (tenantId != null || clientId != null)) {
            throw new ConfigException(tenantId != null ? "tenant-id" : "client-id", "only applies to auth: entra");
        }
    }

    /** The value of a deployment's {@code auth} key. */
    public enum Method {
        API_KEY("api-key"), ENTRA("entra");

        private final String yaml;

        Method(String yaml) {
            this.yaml = yaml;
        }

        @JsonValue
        public String yamlName() {
            return yaml;
        }
    }
}
