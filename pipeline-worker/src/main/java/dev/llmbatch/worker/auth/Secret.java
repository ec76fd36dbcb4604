package dev.llmbatch.worker.auth;

import dev.llmbatch.core.config.ConfigException;
import dev.llmbatch.core.config.DeploymentConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * An API key, read from the environment variable or file a deployment names. It prints as {@code ****} so that it
 * cannot reach a log, an exception message or a result by accident; only {@link AuthHeader} carries the value out.
 */
final class Secret {
    private final String value;

    private Secret(String value) {
        this.value = value;
    }

    static Secret resolve(DeploymentConfig d, Map<String, String> env) {
        if (d.apiKeyEnv() != null) {
            String v = env.get(d.apiKeyEnv());
            if (v == null || v.isBlank()) {
                throw new ConfigException("deployment " + d.id() + ": environment variable " + d.apiKeyEnv()
                        + " (api-key-env) is not set");
            }
            return new Secret(v.trim());
        }
        return readFile(d);
    }

    /** The key in the deployment's {@code api-key-file}, trimmed. Blocks on file I/O: never on an event loop. */
    static Secret readFile(DeploymentConfig d) {
        try {
            String v = Files.readString(Path.of(d.apiKeyFile())).trim();
            if (v.isEmpty()) {
                throw new ConfigException("deployment " + d.id() + ": api-key-file " + d.apiKeyFile() + " is empty");
            }
            return new Secret(v);
        } catch (IOException e) {
            throw new ConfigException("deployment " + d.id() + ": cannot read api-key-file " + d.apiKeyFile()
                    + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    String reveal() {
        return value;
    }

    boolean sameAs(Secret other) {
        return other != null && value.equals(other.value);
    }

    @Override
    public String toString() {
        return "****";
    }
}
