package dev.llmbatch.producer;

import dev.llmbatch.core.time.Ticker;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * Shows the progress of waiting for results. On a terminal: one line redrawn in place with {@code \r} (a bar,
 * done/total, percent, rate and ETA), at most every 100 ms. Elsewhere (a log, a pipe): a plain line every ~2 s, so
 * logs stay readable. Rate and ETA are measured from construction. Not thread-safe: called from the awaiting
 * thread.
 */
final class ProgressPrinter implements ProgressListener {
    static final Duration TERMINAL_EVERY = Duration.ofMillis(100);
    static final Duration PLAIN_EVERY = Duration.ofSeconds(2);
    private static final int BAR_WIDTH = 24;

    private final PrintStream out;
    private final boolean terminal;
    private final Ticker ticker;
    private final long start;
    private long lastPrint;
    private int lastLength;
    private boolean drawn;
    private int lastDone = -1;

    ProgressPrinter(PrintStream out, boolean terminal, Ticker ticker) {
        this.out = out;
        this.terminal = terminal;
        this.ticker = ticker;
        this.start = ticker.nanos();
        this.lastPrint = start;
    }

    @Override
    public void onProgress(int done, int total) {
        long now = ticker.nanos();
        Duration elapsed = Duration.ofNanos(now - start);
        if (terminal) {
            boolean finished = done >= total;
            if (drawn && !(finished && done != lastDone) && now - lastPrint < TERMINAL_EVERY.toNanos()) {
                return;
            }
            String text = "\r" + bar(done, total) + " " + describe(done, total, elapsed);
            int visible = text.length() - 1;
            // Pad with spaces so a shorter line fully covers the longer one drawn before it.
            String pad = visible < lastLength ? " ".repeat(lastLength - visible) : "";
            out.print(text + pad);
            out.flush();
            lastLength = visible;
            drawn = true;
        } else {
            if (now - lastPrint < PLAIN_EVERY.toNanos()) {
                return;
            }
            out.println("progress: " + describe(done, total, elapsed));
        }
        lastPrint = now;
        lastDone = done;
    }

    /**
     * Shows a free-form status (such as how many lines were sent so far) under the same throttling rules as
     * progress.
     */
    void status(String text) {
        long now = ticker.nanos();
        if (terminal) {
            if (drawn && now - lastPrint < TERMINAL_EVERY.toNanos()) {
                return;
            }
            String pad = text.length() < lastLength ? " ".repeat(lastLength - text.length()) : "";
            out.print("\r" + text + pad);
            out.flush();
            lastLength = text.length();
            drawn = true;
        } else {
            if (now - lastPrint < PLAIN_EVERY.toNanos()) {
                return;
            }
            out.println(text);
        }
        lastPrint = now;
    }

    /** Ends the in-place line on a terminal, so what is printed next starts on a fresh line. */
    void finish() {
        if (terminal && drawn) {
            out.println();
            drawn = false;
        }
    }

    /** {@code 250/500 50.0% 41.7 jobs/s ETA 6s}. */
    static String describe(int done, int total, Duration elapsed) {
        double rate = Durations.rate(done, elapsed);
        double percent = total == 0 ? 100 : 100.0 * done / total;
        return String.format(Locale.ROOT, "%d/%d %5.1f%% %s ETA %s", done, total, percent,
                Durations.formatRate(rate), done == 0 ? "unknown" : Durations.formatEta(Durations.eta(total - done,
                        rate)));
    }

    /** {@code [######......]}. */
    static String bar(int done, int total) {
        int filled = total == 0 ? BAR_WIDTH : (int) ((long) BAR_WIDTH * Math.min(done, total) / total);
        return "[" + "#".repeat(filled) + ".".repeat(BAR_WIDTH - filled) + "]";
    }
}
