package dev.llmbatch.core.job;

/**
 * What decoding one jobs-topic record produced. A record is either a usable {@link Job}, one that parsed as JSON but
 * breaks the contract ({@link Invalid}: gets a {@code rejected} result when it has an id, and a DLQ record), or one
 * that cannot be read at all ({@link Unparseable}: DLQ only).
 */
public sealed interface DecodeResult {

    /** A structurally valid job. */
    record Valid(Job job) implements DecodeResult {
    }

    /**
     * Parsed, but not a valid job. {@code id} is the job's id when it had a usable one, else null; {@code code} is a
     * stable machine-readable reason, {@code message} says which field is wrong.
     */
    record Invalid(String id, String code, String message) implements DecodeResult {
    }

    /** Not a JSON object (bad JSON, invalid UTF-8, too large, empty). */
    record Unparseable(String code, String message) implements DecodeResult {
    }
}
