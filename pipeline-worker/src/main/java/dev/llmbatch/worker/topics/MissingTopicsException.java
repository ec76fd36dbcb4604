package dev.llmbatch.worker.topics;

import java.util.List;

/**
 * The worker's topics are not all there and {@code kafka.create-topics} is false: the message names the missing
 * topics and the command that creates them. Leads the worker command to exit 1 with that one message.
 */
public final class MissingTopicsException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final List<String> missing;

    MissingTopicsException(List<String> missing, String message) {
        super(message, null, false, false);
        this.missing = List.copyOf(missing);
    }

    /** The names of the missing topics. */
    public List<String> missing() {
        return missing;
    }
}
