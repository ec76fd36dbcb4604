package dev.llmbatch.producer;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * Formatting of the durations, rates and ETAs the commands print (parsing is the shared
 * {@link dev.llmbatch.command.DurationConverter}). Stateless.
 */
final class Durations {
    private Durations() {
    }

    /** A coarse human duration: {@code 42s}, {@code 3m05s}, {@code 1h02m}, {@code 2d03h}. Sub-second rounds up. */
    static String format(Duration d) {
        long s = d.isNegative() ? 0 : d.getSeconds() + (d.getNano() > 0 ? 1 : 0);
        if (d.isZero()) {
            return "0s";
        }
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        if (s < 86_400) {
            return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
        }
        return String.format(Locale.ROOT, "%dd%02dh", s / 86_400, (s % 86_400) / 3600);
    }

    /** Elapsed time, with a decimal below a minute ({@code 12.3s}) where the precision matters. */
    static String formatElapsed(Duration d) {
        if (d.compareTo(Duration.ofMinutes(1)) < 0) {
            return String.format(Locale.ROOT, "%.1fs", d.toNanos() / 1e9);
        }
        return format(d);
    }

    /** {@code 0.25 jobs/s}, {@code 12.3 jobs/s}, {@code 4,210 jobs/s}. */
    static String formatRate(double perSecond) {
        if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
            return "0.00 jobs/s";
        }
        if (perSecond < 10) {
            return String.format(Locale.ROOT, "%.2f jobs/s", perSecond);
        }
        if (perSecond < 1000) {
            return String.format(Locale.ROOT, "%.1f jobs/s", perSecond);
        }
        return String.format(Locale.ROOT, "%,.0f jobs/s", perSecond);
    }

    /** Events per second; zero when no time passed. */
    static double rate(long count, Duration elapsed) {
        long nanos = elapsed.toNanos();
        return nanos <= 0 ? 0 : count * 1e9 / nanos;
    }

    /** Time to do {@code remaining} more at {@code perSecond}; empty (unknown) when the rate is not positive. */
    static Optional<Duration> eta(long remaining, double perSecond) {
        if (remaining <= 0) {
            return Optional.of(Duration.ZERO);
        }
        if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
            return Optional.empty();
        }
        double seconds = remaining / perSecond;
        if (seconds > Long.MAX_VALUE / 1e9) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofNanos((long) Math.ceil(seconds * 1e9)));
    }

    /** {@link #format} of the ETA, or {@code unknown}. */
    static String formatEta(Optional<Duration> eta) {
        return eta.map(Durations::format).orElse("unknown");
    }
}
