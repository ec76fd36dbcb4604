package dev.llmbatch.kafka.embedded;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * {@code pipeline kafka}: runs a standalone embedded broker for development until SIGTERM or Ctrl-C.
 *
 * <pre>
 * pipeline kafka [--port N] [--data DIR] [--partitions N]
 *   --port N         client port on 127.0.0.1 (default 9092)
 *   --data DIR       persistent log directory, reused across runs (default: a temporary one, deleted on exit)
 *   --partitions N   num.partitions for topics created without a count (default 1)
 * </pre>
 *
 * Prints {@code kafka ready at 127.0.0.1:PORT} on stdout once the broker serves requests. On SIGTERM/Ctrl-C the
 * {@link EmbeddedKafka} shutdown hook stops the broker gracefully and deletes the temporary files.
 *
 * <p>Stateless; {@link #run(String[])} blocks the calling thread for the life of the broker.
 */
public final class KafkaCommand {
  static final String USAGE = """
      usage: pipeline kafka [--port N] [--data DIR] [--partitions N]
        --port N         client port on 127.0.0.1 (default 9092)
        --data DIR       persistent log directory, reused across runs (default: temporary, deleted on exit)
        --partitions N   default partition count of new topics (default 1)""";

  static final int DEFAULT_PORT = 9092;

  /** Exit codes of a JVM that ended on SIGINT (130) or SIGTERM (143): the broker was stopped, it did not fail. */
  private static final int EXIT_SIGINT = 130;
  private static final int EXIT_SIGTERM = 143;

  private KafkaCommand() {}

  /** {@code java -cp ... dev.llmbatch.kafka.embedded.KafkaCommand [options]}; {@code bin/pipeline} calls run(). */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /**
   * Starts the broker and blocks until it exits.
   *
   * @return 0 after a requested stop, 1 if the broker failed to start or died, 2 for a usage error
   */
  public static int run(String[] args) {
    return run(args, System.out, System.err);
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    Parsed parsed;
    try {
      parsed = parse(args);
    } catch (IllegalArgumentException e) {
      err.println("pipeline kafka: " + e.getMessage());
      err.println(USAGE);
      return 2;
    }
    if (parsed.help()) {
      out.println(USAGE);
      return 0;
    }
    try (EmbeddedKafka kafka = EmbeddedKafka.start(parsed.options())) {
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

  /** What the command line asked for. */
  record Parsed(EmbeddedKafka.Options options, boolean help) {}

  /** @throws IllegalArgumentException naming the offending argument */
  static Parsed parse(String[] args) {
    EmbeddedKafka.Options.Builder builder = EmbeddedKafka.Options.builder().port(DEFAULT_PORT);
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      switch (arg) {
        case "-h", "--help" -> {
          return new Parsed(builder.build(), true);
        }
        case "--port" -> builder.port(intValue(arg, value(args, ++i, arg), 1, 65_535));
        case "--partitions" -> builder.partitions(intValue(arg, value(args, ++i, arg), 1, 10_000));
        case "--data" -> builder.logDir(Path.of(value(args, ++i, arg)));
        default -> throw new IllegalArgumentException("unknown argument " + arg);
      }
    }
    return new Parsed(builder.build(), false);
  }

  private static String value(String[] args, int index, String name) {
    if (index >= args.length || args[index].startsWith("--")) {
      throw new IllegalArgumentException(name + " needs a value");
    }
    return args[index];
  }

  private static int intValue(String name, String text, int min, int max) {
    int value;
    try {
      value = Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a number, was " + text);
    }
    if (value < min || value > max) {
      throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", was " + value);
    }
    return value;
  }
}
