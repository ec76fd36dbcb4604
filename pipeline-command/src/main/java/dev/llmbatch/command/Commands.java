package dev.llmbatch.command;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import picocli.CommandLine;

/**
 * Runs a picocli command the way every {@code bin/pipeline} command runs: {@code --help} and {@code --version} exit
 * 0, a bad command line exits 2 with one line naming the option (then the usage), a command that throws exits 1 with
 * its message. Stateless and thread-safe; each call builds its own {@link CommandLine}.
 */
public final class Commands {
    /** Exit code of a bad command line (picocli's and the shells' convention). */
    public static final int USAGE = CommandLine.ExitCode.USAGE;
    /** Exit code of a command that ran and failed. */
    public static final int FAILED = CommandLine.ExitCode.SOFTWARE;

    private Commands() {
    }

    /** {@link #execute(Object, String[], PrintStream, PrintStream)} on {@code System.out} and {@code System.err}. */
    public static int execute(Object command, String... args) {
        return execute(command, args, System.out, System.err);
    }

    /** Parses {@code args} for {@code command} (an {@code @Command} object) and runs it; returns the exit code. */
    public static int execute(Object command, String[] args, PrintStream out, PrintStream err) {
        return commandLine(command, out, err).execute(args);
    }

    /**
     * A {@link CommandLine} for {@code command} with the shared settings; every command object of the tree that is
     * {@link Streams} gets {@code out} and {@code err}. Add subcommands before calling {@link #wire}.
     */
    public static CommandLine commandLine(Object command, PrintStream out, PrintStream err) {
        CommandLine cl = new CommandLine(command);
        return wire(cl, out, err);
    }

    /** Applies the shared settings to {@code cl} and its subcommands (call again after adding subcommands). */
    public static CommandLine wire(CommandLine cl, PrintStream out, PrintStream err) {
        cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cl.setParameterExceptionHandler(Commands::usageError);
        cl.setExecutionExceptionHandler((ex, line, parseResult) -> {
            line.getErr().println(line.getCommandSpec().qualifiedName() + ": " + ex);
            ex.printStackTrace(line.getErr());
            return FAILED;
        });
        streams(cl, out, err);
        return cl;
    }

    private static void streams(CommandLine cl, PrintStream out, PrintStream err) {
        if (cl.getCommand() instanceof Streams s) {
            s.streams(out, err);
        }
        cl.getSubcommands().values().forEach(sub -> {
            if (sub != cl) {
                streams(sub, out, err);
            }
        });
    }

    private static int usageError(CommandLine.ParameterException ex, String[] args) {
        CommandLine line = ex.getCommandLine();
        PrintWriter err = line.getErr();
        String message = ex.getMessage();
        List<String> unmatched = line.getUnmatchedArguments();
        if (!(ex instanceof CommandLine.UnmatchedArgumentException) && !unmatched.isEmpty()) {
            // A mistyped option is the cause of "missing required option" more often than not: name it first.
            message = "Unknown " + (unmatched.size() == 1 ? "argument" : "arguments") + ": '"
                    + String.join("', '", unmatched) + "' (and " + message + ")";
        }
        err.println(line.getCommandSpec().qualifiedName() + ": " + message);
        CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
        err.print(line.getUsageMessage(line.getColorScheme()));
        err.flush();
        return USAGE;
    }

    /**
     * A usage error found after parsing (a file that does not exist, options that do not go together): exit 2 with
     * {@code message}, which should name the option.
     */
    public static CommandLine.ParameterException usage(CommandLine.Model.CommandSpec spec, String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
