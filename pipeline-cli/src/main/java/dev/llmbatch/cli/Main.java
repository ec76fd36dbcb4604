package dev.llmbatch.cli;

import dev.llmbatch.bench.BenchCommand;
import dev.llmbatch.kafka.embedded.KafkaCommand;
import dev.llmbatch.producer.StatusCommand;
import dev.llmbatch.producer.SubmitCommand;
import dev.llmbatch.simulator.SimulatorCommand;
import dev.llmbatch.worker.WorkerCommand;
import java.io.PrintStream;
import java.util.Arrays;

/** Entry point of {@code bin/pipeline}: one subcommand per use. */
public final class Main {
    private static final String USAGE = """
            usage: pipeline <command> [options]

              local      --input FILE --output FILE [--config FILE]
                         embedded Kafka + simulated regions (or --config's real deployments) + a worker;
                         submits FILE, waits for every result, writes them, prints a summary, stops everything
              worker     --config FILE                 run a worker until SIGTERM
              submit     --input FILE [--bootstrap HOST:PORT] [--wait --output FILE]
              status     [--bootstrap HOST:PORT] [--group G] [--topic T] [--watch]   lag, backlog and ETA
              simulator  [--config FILE]               run the Azure OpenAI region simulator
              kafka      [--port 9092]                 run a standalone single-node KRaft broker
              bench      [--quick] --out DIR           benchmarks: quota utilisation vs baselines, storm,
                                                       overhead, added latency, memory; report.md/json + charts
            """;

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args, System.out));
    }

    static int run(String[] args, PrintStream out) throws Exception {
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h")) {
            out.print(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        return switch (args[0]) {
            case "local" -> LocalCommand.run(rest, out);
            case "worker" -> WorkerCommand.run(rest, out);
            case "submit" -> SubmitCommand.run(rest, out);
            case "status" -> StatusCommand.run(rest, out);
            case "simulator" -> SimulatorCommand.run(rest);
            case "kafka" -> KafkaCommand.run(rest);
            case "bench" -> BenchCommand.run(rest, out);
            default -> {
                out.println("unknown command '" + args[0] + "'");
                out.print(USAGE);
                yield 2;
            }
        };
    }
}
