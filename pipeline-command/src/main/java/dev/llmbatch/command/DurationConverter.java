package dev.llmbatch.command;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * The one duration syntax of every command line option: a number and a unit, {@code 500ms}, {@code 30s},
 * {@code 5m}, {@code 1h}, {@code 1d}, or several of them ({@code 1h30m}); ISO-8601 ({@code PT30M}) is accepted too.
 * A duration option is always a timeout or an interval, so zero and negative values are refused. Stateless and
 * thread-safe.
 */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    /** What an error message shows as the accepted forms. */
    public static final String FORMS = "500ms, 30s, 5m, 1h, 1d or 1h30m";
    private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    @Override
    public Duration convert(String value) {
        try {
            return parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }

    /**
     * Parses a positive duration.
     *
     * @throws IllegalArgumentException naming the text, if it is not a duration or not positive
     */
    public static Duration parse(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        Duration total = s.startsWith("p") ? iso(text, s) : units(text, s);
        if (total.isZero() || total.isNegative()) {
            throw new IllegalArgumentException("must be positive, got '" + text + "'");
        }
        return total;
    }

    private static Duration iso(String text, String s) {
        try {
            return Duration.parse(s.toUpperCase(Locale.ROOT));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(notADuration(text));
        }
    }

    private static Duration units(String text, String s) {
        Matcher m = PART.matcher(s);
        Duration total = Duration.ZERO;
        int at = 0;
        try {
            while (at < s.length() && m.find(at) && m.start() == at) {
                long n = Long.parseLong(m.group(1));
                total = total.plus(switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                });
                at = m.end();
            }
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is too long a duration");
        }
        if (s.isEmpty() || at != s.length()) {
            throw new IllegalArgumentException(notADuration(text));
        }
        return total;
    }

    private static String notADuration(String text) {
        return "cannot parse '" + text + "' as a duration (use " + FORMS + ")";
    }
}
