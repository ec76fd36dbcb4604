package dev.llmbatch.command;

import java.io.PrintStream;

/**
 * A command that writes to byte streams (results as JSONL, progress lines) rather than to picocli's writers.
 * {@link Commands} hands it the streams it was given before the command runs; a command that is never handed
 * streams uses {@code System.out} and {@code System.err}.
 */
public interface Streams {
    /** Called once, on the thread that parses the command line, before {@code call()}. */
    void streams(PrintStream out, PrintStream err);
}
