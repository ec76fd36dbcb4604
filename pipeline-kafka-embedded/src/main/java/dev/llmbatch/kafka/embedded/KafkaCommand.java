package dev.llmbatch.kafka.embedded;

import dev.llmbatch.command.Commands;
import dev.llmbatch.command.StreamCommand;
import dev.llmbatch.command.VersionProvider;
import java.io.PrintStream;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code pipeline kafka}: runs a standalone embedded broker for development until SIGTERM or Ctrl-C.
 *
 * <p>Prints {@code kafka ready at 127.0.0.1:PORT} on stdout once the broker serves requests. On SIGTERM/Ctrl-C the
 * {@link EmbeddedKafka} shutdown hook stops the broker gracefully and deletes the temporary files.
 *
 * <p>One instance per command line; {@link #call()} blocks the calling thread for the life of the broker.
 */
@Command(name = "kafka", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = "Runs a standalone single-node KRaft broker for development until Ctrl-C or SIGTERM.")
public final class KafkaCommand extends StreamCommand {
  static final int DEFAULT_PORT = 9092;

  /** Exit codes of a JVM that ended on SIGINT (130) or SIGTERM (143): the broker was stopped, it did not fail. */
  private static final int EXIT_SIGINT = 130;
  private static final int EXIT_SIGTERM = 143;

  @Spec CommandSpec spec;

  @Option(names = "--port", paramLabel = "N", defaultValue = "9092",
      description = "client port on 127.0.0.1 (default ${DEFAULT-VALUE})")
  int port;

  @Option(names = "--data", paramLabel = "DIR",
      description = "persistent log directory, reused across runs (default: temporary, deleted on exit)")
  Path data;

  @Option(names = "--partitions", paramLabel = "N", defaultValue = "1",
      description = "default partition count of new topics (default ${DEFAULT-VALUE})")
  int partitions;

  /** {@code java -cp ... dev.llmbatch.kafka.embedded.KafkaCommand [options]}; {@code bin/pipeline} runs it too. */
  public static void main(String[] args) {
    System.exit(Commands.execute(new KafkaCommand(), args));
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    return Commands.execute(new KafkaCommand(), args, out, err);
  }

  /** The broker options the command line asks for; a usage error names the option. */
  EmbeddedKafka.Options options() {
    if (port < 1 || port > 65_535) {
      throw Commands.usage(spec, "--port must be between 1 and 65535, was " + port);
    }
    if (partitions < 1 || partitions > 10_000) {
      throw Commands.usage(spec, "--partitions must be between 1 and 10000, was " + partitions);
    }
    EmbeddedKafka.Options.Builder builder = EmbeddedKafka.Options.builder().port(port).partitions(partitions);
    if (data != null) {
      builder.logDir(data);
    }
    return builder.build();
  }

  /**
   * Starts the broker and blocks until it exits.
   *
   * @return 0 after a requested stop, 1 if the broker failed to start or died
   */
  @Override
  public Integer call() {
    EmbeddedKafka.Options options = options();
    try (EmbeddedKafka kafka = EmbeddedKafka.start(options)) {
      out.println("kafka ready at " + kafka.bootstrapServers());
      out.flush();
      err.println("log dir " + kafka.logDir() + ", broker log " + kafka.brokerLog() + "; Ctrl-C to stop");
      int exit = kafka.awaitExit();
      if (exit == 0 || exit == EXIT_SIGINT || exit == EXIT_SIGTERM) {
        return 0;
      }
      err.println("pipeline kafka: the broker exited with code " + exit + "; see " + kafka.brokerLog());
      return 1;
    } catch (EmbeddedKafkaException e) {
      err.println("pipeline kafka: " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }
}
