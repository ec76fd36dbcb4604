package dev.llmbatch.core.job;

import java.util.Locale;
import java.util.Optional;

/** Scheduling priority a submitter asks for; higher priorities are admitted first when regions have little room. */
public enum Priority {
    HIGH, NORMAL, LOW;

    /** Parses the contract's lowercase spelling; empty for anything else. */
    public static Optional<Priority> parse(String s) {
        if (s == null) {
            return Optional.of(NORMAL);
        }
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "high" -> Optional.of(HIGH);
            case "normal" -> Optional.of(NORMAL);
            case "low" -> Optional.of(LOW);
            default -> Optional.empty();
        };
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
