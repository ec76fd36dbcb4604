package dev.llmbatch.core.outcome;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads how long the service asked us to wait, from every form it has been seen to use (reference 3.4-3.5):
 * {@code retry-after-ms} and {@code x-ms-retry-after-ms} (milliseconds), {@code retry-after} (seconds or an HTTP
 * date), {@code x-ratelimit-reset-tokens} / {@code x-ratelimit-reset-requests} (and the misspelt
 * {@code x-rate-limit-reset-tokens}; seconds, or OpenAI's {@code 1m30s} / {@code 12ms}), and as a last resort the
 * message text ("retry after 7 seconds", "Try again in 2 seconds", "try again in 2s"). Stateless; thread-safe.
 */
public final class RetryAfter {
    /** Where a wait came from; exposed in metrics so an operator sees which form a region uses. */
    public enum Source { RETRY_AFTER_MS, RETRY_AFTER, RESET_HEADER, MESSAGE, DEFAULT }

    private static final Pattern MESSAGE = Pattern.compile(
            "(?i)(?:retry after|try again in)\\s+(\\d+(?:\\.\\d+)?)\\s*(ms|milliseconds?|s|secs?|seconds?)?\\b");
    private static final Pattern MESSAGE_DURATION = Pattern.compile(
            "(?i)(?:retry after|try again in)\\s+((?:\\d+(?:\\.\\d+)?(?:ms|h|m|s))+)\\b");
    private static final Pattern GO_DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|h|m|s)");

    private RetryAfter() {
    }

    /** A parsed wait and where it came from. */
    public record Wait(Duration duration, Source source) {
    }

    /**
     * @param header case-insensitive header lookup returning null when absent
     * @param body   the response body (may be null)
     * @param clock  wall clock, for HTTP-date values
     */
    public static Optional<Wait> parse(Function<String, String> header, String body, Clock clock) {
        Optional<Duration> d = millis(header.apply("retry-after-ms"));
        if (d.isEmpty()) {
            d = millis(header.apply("x-ms-retry-after-ms"));
        }
        if (d.isPresent()) {
            return Optional.of(new Wait(d.get(), Source.RETRY_AFTER_MS));
        }
        d = retryAfterValue(header.apply("retry-after"), clock);
        if (d.isPresent()) {
            return Optional.of(new Wait(d.get(), Source.RETRY_AFTER));
        }
        // Both limits may report a reset; the request is only admitted once both have room, so take the longer.
        Duration reset = null;
        for (String h : new String[] {"x-ratelimit-reset-tokens", "x-rate-limit-reset-tokens",
                "x-ratelimit-reset-requests", "x-rate-limit-reset-requests"}) {
            Optional<Duration> r = resetValue(header.apply(h));
            if (r.isPresent() && (reset == null || r.get().compareTo(reset) > 0)) {
                reset = r.get();
            }
        }
        if (reset != null) {
            return Optional.of(new Wait(reset, Source.RESET_HEADER));
        }
        d = fromMessage(body);
        return d.map(v -> new Wait(v, Source.MESSAGE));
    }

    static Optional<Duration> millis(String v) {
        if (v == null) {
            return Optional.empty();
        }
        try {
            double ms = Double.parseDouble(v.trim());
            return ms >= 0 && Double.isFinite(ms) ? Optional.of(Duration.ofNanos((long) (ms * 1_000_000)))
                    : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    static Optional<Duration> retryAfterValue(String v, Clock clock) {
        if (v == null || v.isBlank()) {
            return Optional.empty();
        }
        String s = v.trim();
        try {
            double seconds = Double.parseDouble(s);
            return seconds >= 0 && Double.isFinite(seconds)
                    ? Optional.of(Duration.ofNanos((long) (seconds * 1e9))) : Optional.empty();
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(s, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration left = Duration.between(clock.instant(), at);
                return Optional.of(left.isNegative() ? Duration.ZERO : left);
            } catch (DateTimeParseException notADate) {
                return Optional.empty();
            }
        }
    }

    static Optional<Duration> resetValue(String v) {
        if (v == null || v.isBlank()) {
            return Optional.empty();
        }
        String s = v.trim().toLowerCase(Locale.ROOT);
        try {
            double seconds = Double.parseDouble(s);
            return seconds >= 0 && Double.isFinite(seconds)
                    ? Optional.of(Duration.ofNanos((long) (seconds * 1e9))) : Optional.empty();
        } catch (NumberFormatException e) {
            Matcher m = GO_DURATION.matcher(s);
            long nanos = 0;
            int end = 0;
            while (m.find()) {
                if (m.start() != end) {
                    return Optional.empty();
                }
                end = m.end();
                double n = Double.parseDouble(m.group(1));
                nanos += (long) switch (m.group(2)) {
                    case "ms" -> n * 1e6;
                    case "s" -> n * 1e9;
                    case "m" -> n * 60e9;
                    default -> n * 3600e9;
                };
            }
            return end == s.length() && end > 0 ? Optional.of(Duration.ofNanos(nanos)) : Optional.empty();
        }
    }

    static Optional<Duration> fromMessage(String body) {
        if (body == null) {
            return Optional.empty();
        }
        Matcher go = MESSAGE_DURATION.matcher(body);
        if (go.find()) {
            Optional<Duration> d = resetValue(go.group(1));
            if (d.isPresent()) {
                return d;
            }
        }
        Matcher m = MESSAGE.matcher(body);
        if (!m.find()) {
            return Optional.empty();
        }
        double n = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2).toLowerCase(Locale.ROOT);
        return Optional.of(unit.startsWith("ms") || unit.startsWith("milli")
                ? Duration.ofNanos((long) (n * 1e6)) : Duration.ofNanos((long) (n * 1e9)));
    }
}
