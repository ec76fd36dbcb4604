package dev.llmbatch.kafka.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.command.Commands;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class KafkaCommandTest {
  private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
  private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
  private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

  private static EmbeddedKafka.Options parse(String... args) {
    KafkaCommand command = new KafkaCommand();
    new CommandLine(command).parseArgs(args);
    return command.options();
  }

  private String firstErrLine() {
    return errBytes.toString(StandardCharsets.UTF_8).lines().findFirst().orElse("");
  }

  @Test
  void parse_noArguments_port9092TempDirOnePartition() {
    EmbeddedKafka.Options options = parse();

    assertThat(options.port()).isEqualTo(9092);
    assertThat(options.logDir()).isEmpty();
    assertThat(options.partitions()).isEqualTo(1);
  }

  @Test
  void parse_allOptions_mapsToOptions() {
    EmbeddedKafka.Options options = parse("--port", "19092", "--data=/var/kafka", "--partitions", "6");

    assertThat(options.port()).isEqualTo(19092);
    assertThat(options.logDir()).contains(Path.of("/var/kafka"));
    assertThat(options.partitions()).isEqualTo(6);
  }

  @Test
  void run_portWithoutValue_exit2NamingPort() {
    assertThat(KafkaCommand.run(new String[] {"--port"}, out, err)).isEqualTo(Commands.USAGE);
    assertThat(firstErrLine()).contains("--port");
  }

  @Test
  void run_portNotANumber_exit2NamingPort() {
    assertThat(KafkaCommand.run(new String[] {"--port", "x"}, out, err)).isEqualTo(Commands.USAGE);
    assertThat(firstErrLine()).contains("--port").contains("'x'");
  }

  @Test
  void run_zeroPartitions_exit2NamingPartitions() {
    assertThat(KafkaCommand.run(new String[] {"--partitions", "0"}, out, err)).isEqualTo(Commands.USAGE);
    assertThat(firstErrLine()).isEqualTo("kafka: --partitions must be between 1 and 10000, was 0");
  }

  @Test
  void run_unknownArgument_exit2WithUsage() {
    int code = KafkaCommand.run(new String[] {"--bogus"}, out, err);

    assertThat(code).isEqualTo(Commands.USAGE);
    assertThat(firstErrLine()).contains("'--bogus'");
    assertThat(errBytes.toString(StandardCharsets.UTF_8)).contains("Usage:");
  }

  @Test
  void run_help_exit0() {
    int code = KafkaCommand.run(new String[] {"--help"}, out, err);

    assertThat(code).isZero();
    assertThat(outBytes.toString(StandardCharsets.UTF_8)).contains("--port=N");
  }

  @Test
  void run_version_exit0() {
    assertThat(KafkaCommand.run(new String[] {"--version"}, out, err)).isZero();
    assertThat(outBytes.toString(StandardCharsets.UTF_8)).startsWith("llm-batch-pipeline ");
  }
}
