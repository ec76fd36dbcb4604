package dev.llmbatch.command;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Base of every {@code bin/pipeline} command: holds the byte streams {@link Commands} hands over ({@code System.out}
 * and {@code System.err} until then). One instance per command line, used on the thread that runs it.
 */
public abstract class StreamCommand implements Callable<Integer>, Streams {
    /** Command output (tables, JSONL, summaries). */
    protected PrintStream out = System.out;
    /** Diagnostics. */
    protected PrintStream err = System.err;

    @Override
    public final void streams(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** For a command that only groups subcommands and was given none: prints its usage, exit 2. */
    protected final int usageOnly(CommandSpec spec) {
        spec.commandLine().usage(out);
        return Commands.USAGE;
    }
}
