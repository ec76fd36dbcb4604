package dev.llmbatch.core.config;

/** A configuration that cannot be used; the message names the offending key. */
public final class ConfigException extends IllegalArgumentException implements KeyedProblem {
    private static final long serialVersionUID = 1L;

    private final String key;
    private final String problem;

    public ConfigException(String message) {
        super(message);
        this.key = "";
        this.problem = message;
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
        this.key = "";
        this.problem = message;
    }

    /**
     * @param key     the offending key path ({@code tpm}, {@code worker.backoff.max-ms}); empty for the document
     * @param problem what is wrong, phrased to follow the key
     */
    public ConfigException(String key, String problem) {
        super(key.isEmpty() ? problem : key + " " + problem);
        this.key = key;
        this.problem = problem;
    }

    @Override
    public String key() {
        return key;
    }

    @Override
    public String problem() {
        return problem;
    }
}
