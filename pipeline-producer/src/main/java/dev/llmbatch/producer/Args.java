package dev.llmbatch.producer;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * A parsed command line of {@code --flag value}, {@code --flag=value} and boolean {@code --flag} options. Every
 * error names the flag. Immutable after parsing.
 */
final class Args {
    private final Map<String, String> values;

    private Args(Map<String, String> values) {
        this.values = values;
    }

    /**
     * @param command      the subcommand name; a leading argument equal to it is skipped, so callers may pass the
     *                     whole {@code submit ...} line or just its flags
     * @param valueFlags   flags that take a value
     * @param booleanFlags flags that take none
     */
    static Args parse(String[] argv, String command, Set<String> valueFlags, Set<String> booleanFlags)
            throws UsageException {
        Map<String, String> values = new HashMap<>();
        int i = argv.length > 0 && argv[0].equals(command) ? 1 : 0;
        for (; i < argv.length; i++) {
            String a = argv[i];
            if (!a.startsWith("--")) {
                throw new UsageException("unexpected argument '" + a + "' (flags start with --)");
            }
            String flag = a;
            String inline = null;
            int eq = a.indexOf('=');
            if (eq > 0) {
                flag = a.substring(0, eq);
                inline = a.substring(eq + 1);
            }
            if (values.containsKey(flag)) {
                throw new UsageException("flag " + flag + " is given more than once");
            }
            if (booleanFlags.contains(flag)) {
                if (inline != null) {
                    throw new UsageException("flag " + flag + " takes no value");
                }
                values.put(flag, "true");
            } else if (valueFlags.contains(flag)) {
                String v = inline;
                if (v == null) {
                    if (i + 1 >= argv.length || argv[i + 1].startsWith("--")) {
                        throw new UsageException("flag " + flag + " needs a value");
                    }
                    v = argv[++i];
                }
                if (v.isBlank()) {
                    throw new UsageException("flag " + flag + " needs a non-empty value");
                }
                values.put(flag, v);
            } else {
                throw new UsageException("unknown flag " + flag);
            }
        }
        return new Args(values);
    }

    boolean has(String flag) {
        return values.containsKey(flag);
    }

    String get(String flag, String fallback) {
        return values.getOrDefault(flag, fallback);
    }

    String required(String flag) throws UsageException {
        String v = values.get(flag);
        if (v == null) {
            throw new UsageException("missing required flag " + flag);
        }
        return v;
    }

    /** A positive duration flag. */
    Duration duration(String flag, Duration fallback) throws UsageException {
        String v = values.get(flag);
        if (v == null) {
            return fallback;
        }
        Duration d;
        try {
            d = Durations.parse(v);
        } catch (IllegalArgumentException e) {
            throw new UsageException(flag + ": " + e.getMessage());
        }
        if (d.isZero() || d.isNegative()) {
            throw new UsageException(flag + " must be positive, got '" + v + "'");
        }
        return d;
    }
}
