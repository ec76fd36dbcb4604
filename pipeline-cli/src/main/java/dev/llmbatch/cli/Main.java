package dev.llmbatch.cli;

import dev.llmbatch.command.Commands;
import dev.llmbatch.command.StreamCommand;
import dev.llmbatch.command.VersionProvider;
import java.io.PrintStream;
import java.util.List;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Entry point of {@code bin/pipeline}: one subcommand per use, all on picocli ({@code --help}, {@code --version},
 * {@code --opt=value} and {@code --opt value}, exit 2 naming the option on a bad command line), plus {@code help}
 * and {@code generate-completion} (a bash/zsh completion script). A command whose module is not on the classpath
 * (the worker image leaves out the broker, the simulator and the benchmarks) is simply not offered. Stateless.
 */
@Command(name = "pipeline", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Kafka-native batch pipeline for Azure OpenAI chat completions.",
                "Run 'pipeline COMMAND --help' for a command's options. Durations: 500ms, 30s, 5m, 1h, 1d.",
                "Shell completion: source <(bin/pipeline generate-completion)"},
        synopsisSubcommandLabel = "COMMAND", subcommands = CommandLine.HelpCommand.class)
public final class Main extends StreamCommand {

    /**
     * A subcommand and the classes it needs at run time.
     *
     * @param className the {@code @Command} class
     * @param needs     classes that must be on the classpath for the command to work (its module, the broker)
     */
    record Entry(String className, List<String> needs) {
    }

    /** Every command in the order {@code pipeline --help} lists them. */
    static final List<Entry> COMMANDS = List.of(
            new Entry("dev.llmbatch.cli.LocalCommand",
                    List.of("dev.llmbatch.simulator.Simulator", "dev.llmbatch.kafka.embedded.EmbeddedKafka",
                            "kafka.Kafka")),
            new Entry("dev.llmbatch.worker.WorkerCommand", List.of()),
            new Entry("dev.llmbatch.producer.SubmitCommand", List.of()),
            new Entry("dev.llmbatch.producer.StatusCommand", List.of()),
            new Entry("dev.llmbatch.worker.topics.TopicsCommand", List.of()),
            new Entry("dev.llmbatch.cli.PlanCommand", List.of()),
            new Entry("dev.llmbatch.simulator.SimulatorCommand", List.of()),
            new Entry("dev.llmbatch.kafka.embedded.KafkaCommand", List.of("kafka.Kafka")),
            new Entry("dev.llmbatch.bench.BenchCommand",
                    List.of("dev.llmbatch.simulator.Simulator", "kafka.Kafka")));

    @Spec
    CommandSpec spec;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out) {
        return run(args, out, out);
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        return commandLine(out, err).execute(args);
    }

    /** The whole command tree with the commands this classpath can run. */
    static CommandLine commandLine(PrintStream out, PrintStream err) {
        CommandLine cl = new CommandLine(new Main());
        for (Entry e : COMMANDS) {
            Object command = instance(e);
            if (command != null) {
                cl.addSubcommand(command);
            }
        }
        cl.addSubcommand("generate-completion", new AutoComplete.GenerateCompletion());
        cl.getSubcommands().get("generate-completion").getCommandSpec().usageMessage().hidden(false)
                .description("Prints a bash/zsh completion script: source <(bin/pipeline generate-completion)");
        return Commands.wire(cl, out, err);
    }

    /** A new command object, or null when it or what it needs is not on the classpath. */
    static Object instance(Entry e) {
        try {
            for (String needed : e.needs()) {
                Class.forName(needed, false, Main.class.getClassLoader());
            }
            return Class.forName(e.className()).getConstructor().newInstance();
        } catch (ClassNotFoundException | NoClassDefFoundError absent) {
            return null;
        } catch (ReflectiveOperationException broken) {
            throw new IllegalStateException("cannot create " + e.className(), broken);
        }
    }

    /** {@code pipeline} alone: the usage, exit 2 (nothing was asked). */
    @Override
    public Integer call() {
        return usageOnly(spec);
    }
}
