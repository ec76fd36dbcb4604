package dev.llmbatch.kafka.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class KafkaCommandTest {

  @Test
  void parse_noArguments_port9092TempDirOnePartition() {
    KafkaCommand.Parsed parsed = KafkaCommand.parse(new String[0]);

    assertThat(parsed.help()).isFalse();
    assertThat(parsed.options().port()).isEqualTo(9092);
    assertThat(parsed.options().logDir()).isEmpty();
    assertThat(parsed.options().partitions()).isEqualTo(1);
  }

  @Test
  void parse_allOptions_mapsToOptions() {
    KafkaCommand.Parsed parsed =
        KafkaCommand.parse(new String[] {"--port", "19092", "--data", "/var/kafka", "--partitions", "6"});

    assertThat(parsed.options().port()).isEqualTo(19092);
    assertThat(parsed.options().logDir()).contains(Path.of("/var/kafka"));
    assertThat(parsed.options().partitions()).isEqualTo(6);
  }

  @Test
  void parse_badArguments_messageNamesTheArgument() {
    assertThatThrownBy(() -> KafkaCommand.parse(new String[] {"--port"})).hasMessageContaining("--port needs a value");
    assertThatThrownBy(() -> KafkaCommand.parse(new String[] {"--port", "x"})).hasMessageContaining("--port");
    assertThatThrownBy(() -> KafkaCommand.parse(new String[] {"--partitions", "0"}))
        .hasMessageContaining("--partitions");
    assertThatThrownBy(() -> KafkaCommand.parse(new String[] {"--bogus"})).hasMessageContaining("--bogus");
  }

  @Test
  void run_unknownArgument_exitCode2WithUsage() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();

    int code = KafkaCommand.run(new String[] {"--bogus"}, new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(err, true, StandardCharsets.UTF_8));

    assertThat(code).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown argument --bogus").contains("usage:");
  }

  @Test
  void run_help_exitCode0() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    int code = KafkaCommand.run(new String[] {"--help"}, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(new ByteArrayOutputStream()));

    assertThat(code).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("--port N");
  }
}
