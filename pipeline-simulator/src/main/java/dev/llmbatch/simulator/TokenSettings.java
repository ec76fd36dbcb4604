package dev.llmbatch.simulator;

/**
 * The Entra ID-style bearer tokens the simulator issues ({@code tokens:} in its config, see {@link SimulatorConfig}).
 * Immutable; validated on construction with messages naming the YAML key.
 *
 * @param lifetimeS      wall seconds a token is valid
 * @param identityHeader the {@code X-IDENTITY-HEADER} value the token endpoint requires
 */
public record TokenSettings(double lifetimeS, String identityHeader) {
    /** Tokens valid for an hour, as Entra ID's usually are. */
    public static final TokenSettings DEFAULTS = new TokenSettings(3600, "sim-identity");

    public TokenSettings {
        if (!(lifetimeS >= 1) || Double.isInfinite(lifetimeS)) {
            throw new SimulatorConfigException("lifetime-s", "must be >= 1, got " + lifetimeS);
        }
        if (identityHeader == null || identityHeader.isBlank()) {
            throw new SimulatorConfigException("identity-header", "must not be empty");
        }
    }
}
