package dev.llmbatch.core.config;

/**
 * A configuration problem that knows which key it is about, relative to the object that raised it: a record's
 * compact constructor throws one naming its own key ({@code tpm}, "must be >= 1"), and {@link ConfigTree#bind}
 * places it under the path of that record in the document ({@code models.m.deployments[0].tpm}).
 */
public interface KeyedProblem {
    /** The key path, relative to the object that raised the problem; empty for that object itself. */
    String key();

    /** What is wrong, phrased to follow the key ("must be >= 1, got 0"). */
    String problem();
}
