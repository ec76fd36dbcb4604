package dev.llmbatch.core.result;

import java.util.Locale;

/** The final status of a job, as published on the results topic. */
public enum Status {
    /** The model answered; {@code output} holds the answer. */
    SUCCEEDED,
    /** The service refused or failed the job for good (or attempts ran out); {@code error} says why. */
    FAILED,
    /** The service's content filter blocked the prompt or the answer. */
    FILTERED,
    /** The job's {@code deadline} passed before it could be answered. */
    EXPIRED,
    /** The job broke the contract or the worker's configuration (unknown model, too long, ...); never sent. */
    REJECTED;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Status fromWire(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
