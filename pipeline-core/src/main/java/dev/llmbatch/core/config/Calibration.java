package dev.llmbatch.core.config;

/**
 * Calibration of the prompt reservation to the service's own charge (keys {@code models.<pool>.calibration}): the
 * worker compares each answer's {@code x-ratelimit-remaining-tokens} with what each counting rule predicts and, after
 * {@code minObservations} answers that tell the rules apart, reserves prompts by the rule the service uses instead of
 * the safe maximum of all. Off: always the safe maximum. Immutable; validated on construction.
 */
public record Calibration(boolean enabled, int minObservations) {

    /** The defaults of {@code pipeline-defaults.yaml}: on, 50 answers. */
    public static final Calibration DEFAULTS = ConfigLoader.templateDefaults("models.*", "calibration", Calibration.class);

    public Calibration {
        Check.atLeast("min-observations", minObservations, 1);
    }
}
