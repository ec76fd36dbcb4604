package dev.llmbatch.simulator;

import dev.llmbatch.core.config.ConfigProblem;

/**
 * A simulator configuration value that is unknown, of the wrong type or out of range. The message starts with the
 * key's full path, e.g. {@code regions[1].deployments[0].tpm must be > 0}; {@link #key()} returns that path alone.
 *
 * <p>Immutable.
 */
public final class SimulatorConfigException extends ConfigProblem {
    private static final long serialVersionUID = 1L;

    /**
     * @param key the offending key (a path such as {@code deployments[0].tpm}; empty for the document itself)
     * @param problem what is wrong, phrased to follow the key ("must be > 0")
     */
    public SimulatorConfigException(String key, String problem) {
        super(key, problem, null);
    }
}
