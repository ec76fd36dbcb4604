package dev.llmbatch.core.config;

/**
 * Calibration of the prompt reservation to the service's own charge (keys {@code models.<pool>.calibration}): the
 * worker compares each answer's {@code x-ratelimit-remaining-tokens} with what each counting rule predicts and, after
 * {@code minObservations} answers that tell the rules apart, reserves prompts by the rule the service uses instead of
 * the safe maximum of all. Off: always the safe maximum. Immutable.
 */
public record Calibration(boolean enabled, int minObservations) {

    /** The defaults: on, 50 answers. */
    public static final Calibration DEFAULTS = new Calibration(true, 50);

    public Calibration {
        if (minObservations < 1) {
            throw new IllegalArgumentException("min-observations must be >= 1, got " + minObservations);
        }
    }
}
