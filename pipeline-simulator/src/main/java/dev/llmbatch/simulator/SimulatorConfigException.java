package dev.llmbatch.simulator;

/**
 * A simulator configuration value that is unknown, of the wrong type or out of range. The message starts with the
 * key's full path, e.g. {@code regions[1].deployments[0].tpm must be > 0}; {@link #key()} returns that path alone.
 *
 * <p>Immutable.
 */
public final class SimulatorConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String key;
    private final String problem;

    /**
     * @param key the offending key (a path such as {@code deployments[0].tpm}; empty for the document itself)
     * @param problem what is wrong, phrased to follow the key ("must be > 0")
     */
    public SimulatorConfigException(String key, String problem) {
        super(key.isEmpty() ? problem : key + " " + problem);
        this.key = key;
        this.problem = problem;
    }

    /** The full path of the offending key. */
    public String key() {
        return key;
    }

    /** The same problem, with its key placed under {@code prefix} (a parent key path). */
    SimulatorConfigException under(String prefix) {
        return new SimulatorConfigException(join(prefix, key), problem);
    }

    static String join(String prefix, String key) {
        if (prefix.isEmpty()) {
            return key;
        }
        if (key.isEmpty()) {
            return prefix;
        }
        return key.startsWith("[") ? prefix + key : prefix + "." + key;
    }
}
