package dev.llmbatch.core.config;

/**
 * A configuration value that is unknown, of the wrong type or out of range, knowing which key it is about relative
 * to the object that raised it: a record's compact constructor throws one naming its own key ({@code tpm}, "must be
 * >= 1"), and {@link ConfigBinder#bind} places it under the path of that record in the document
 * ({@code models.m.deployments[0].tpm}). The message is the key followed by the problem. Immutable.
 */
public abstract class ConfigProblem extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String key;
    private final String problem;

    /**
     * @param key     the offending key path, relative to the object that raised it; empty for that object itself
     * @param problem what is wrong, phrased to follow the key ("must be >= 1, got 0")
     */
    protected ConfigProblem(String key, String problem, Throwable cause) {
        super(key.isEmpty() ? problem : key + " " + problem, cause);
        this.key = key;
        this.problem = problem;
    }

    /** The key path; empty for the document (or object) itself. */
    public String key() {
        return key;
    }

    /** What is wrong, phrased to follow the key. */
    public String problem() {
        return problem;
    }
}
