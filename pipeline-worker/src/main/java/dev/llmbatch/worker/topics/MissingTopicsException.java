package dev.llmbatch.worker.topics;

import java.nio.file.Path;
import java.util.List;

/**
 * The worker's topics are not all there and {@code kafka.create-topics} is false: the message names the missing
 * topics and the command that creates them. Leads the worker command to exit 1 with that one message.
 */
public final class MissingTopicsException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    /** Stands for the worker's config file in the message; {@link #withConfig} puts the real path in. */
    static final String CONFIG_PLACEHOLDER = "<this worker's config>";
    private final List<String> missing;

    MissingTopicsException(List<String> missing, String message) {
        super(message, null, false, false);
        this.missing = List.copyOf(missing);
    }

    /** The message with the worker's own config file in the command it suggests (what a user can paste). */
    public String withConfig(Path config) {
        return getMessage().replace(CONFIG_PLACEHOLDER, config.toString());
    }

    /** The names of the missing topics. */
    public List<String> missing() {
        return missing;
    }
}
