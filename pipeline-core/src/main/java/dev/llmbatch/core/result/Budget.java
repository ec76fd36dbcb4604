package dev.llmbatch.core.result;

import java.util.Objects;

/**
 * The {@code max_tokens} that produced a result's answer and where it came from: {@code "job"} (the job's own limit,
 * or its task's or pool's default) or {@code "learned"} (a budget learned from earlier answers to the same
 * instruction, always at most the job's own limit). An answer cut under a learned budget is never a result: it is
 * sent again with the job's own limit, so a result with {@code source "learned"} was not cut by it. Immutable.
 */
public record Budget(String source, int maxTokens) {
    public static final String JOB = "job";
    public static final String LEARNED = "learned";

    public Budget {
        Objects.requireNonNull(source, "source");
        if (!source.equals(JOB) && !source.equals(LEARNED)) {
            throw new IllegalArgumentException("budget source must be job or learned, got " + source);
        }
    }
}
