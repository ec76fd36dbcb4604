package dev.llmbatch.core.config;

/** A worker configuration that cannot be used; the message names the offending key. */
public final class ConfigException extends ConfigProblem {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super("", message, null);
    }

    public ConfigException(String message, Throwable cause) {
        super("", message, cause);
    }

    /**
     * @param key     the offending key path ({@code tpm}, {@code worker.backoff.max-ms}); empty for the document
     * @param problem what is wrong, phrased to follow the key
     */
    public ConfigException(String key, String problem) {
        super(key, problem, null);
    }
}
