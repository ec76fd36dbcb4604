package dev.llmbatch.producer;

/** A command line that cannot be run; the message names the flag. Leads to exit code 2. */
final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message, null, false, false);
    }
}
