package dev.llmbatch.core.config;

import java.time.Duration;

/** The range checks of the config records' constructors; each throws a {@link ConfigException} naming the key. */
final class Check {
    private Check() {
    }

    static String nonBlank(String key, String value) {
        if (value == null || value.isBlank()) {
            throw new ConfigException(key, value == null ? "is required" : "must not be empty");
        }
        return value;
    }

    /** Null for an absent or empty value (a defaults file writes "" for "not set"). */
    static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }

    static long atLeast(String key, long value, long min) {
        if (value < min) {
            throw new ConfigException(key, "must be >= " + min + ", got " + value);
        }
        return value;
    }

    static Duration atLeast(String key, Duration value, long minMillis) {
        if (value == null) {
            throw new ConfigException(key, "is required");
        }
        atLeast(key, value.toMillis(), minMillis);
        return value;
    }

    static double between(String key, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw new ConfigException(key, "must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }

    static <T> T present(String key, T value) {
        if (value == null) {
            throw new ConfigException(key, "is required");
        }
        return value;
    }
}
