package dev.llmbatch.bench.stats;

/**
 * The measurement windows and ratios of the benchmark, kept pure so that they are unit-tested.
 *
 * <p>Utilisation: each contender's clock starts at its first admitted second {@code t0} (so start-up costs do not
 * count for or against anyone); the steady part is {@code [t0 + warmup, t0 + duration)}: the first simulated minute
 * is excluded because an empty 60 s window lets any client burst a whole TPM, and the run stops before the backlog
 * drains, so there is no drain tail inside the window.
 */
public final class Windows {
    private Windows() {
    }

    /** A half-open range of simulated seconds {@code [from, to)}. */
    public record Range(long from, long to) {
        public Range {
            if (to < from) {
                throw new IllegalArgumentException("empty range " + from + ".." + to);
            }
        }

        public long seconds() {
            return to - from;
        }

        public double minutes() {
            return seconds() / 60.0;
        }
    }

    /** The steady part: {@code [t0 + warmup, t0 + duration)}, clipped to the seconds the series covers. */
    public static Range steady(long firstAdmittedSecond, long warmupSeconds, long durationSeconds, long seriesEnd) {
        long from = firstAdmittedSecond + warmupSeconds;
        long to = Math.min(firstAdmittedSecond + durationSeconds, seriesEnd);
        if (to <= from) {
            throw new IllegalArgumentException("no steady part: the run covers seconds up to " + seriesEnd
                    + " but the steady part starts at " + from);
        }
        return new Range(from, to);
    }

    /** Tokens over {@code range}, per minute, divided by {@code summedTpm}. */
    public static double perMinuteRatio(long tokens, Range range, long summedTpm) {
        if (summedTpm <= 0 || range.seconds() == 0) {
            return 0;
        }
        return tokens / range.minutes() / summedTpm;
    }

    /** {@code part / whole}, 0 when whole is 0. */
    public static double share(long part, long whole) {
        return whole == 0 ? 0 : (double) part / whole;
    }

    /**
     * Seconds after {@code restoreSecond} until the series is back: the smallest {@code r >= 0} such that the mean
     * over {@code [restoreSecond + r, restoreSecond + r + window)} is at least {@code fraction * baseline}; -1 if that
     * never happens before {@code limit}. A trailing window smooths the per-second noise of a region that admits only
     * a few requests a second.
     */
    public static long recoverySeconds(SecondSeries s, long restoreSecond, double baseline, double fraction,
            int window, long limit) {
        for (long t = restoreSecond; t + window <= limit; t++) {
            if (s.mean(t, t + window) >= fraction * baseline) {
                return t - restoreSecond;
            }
        }
        return -1;
    }
}
