package dev.llmbatch.kafka.embedded;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Crash, restart, close and orphan behaviour; each test owns its broker. */
class EmbeddedKafkaLifecycleTest {

  @Test
  void kill_thenRestart_keepsDataOnSamePortsAndAcceptsNewRecords() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      String bootstrap = kafka.bootstrapServers();
      kafka.createTopic("durable", 2);
      TestClients.produce(bootstrap, "durable", "before", 20);

      kafka.kill();
      assertThat(kafka.isRunning()).isFalse();
      kafka.restart();

      assertThat(kafka.isRunning()).isTrue();
      assertThat(kafka.bootstrapServers()).isEqualTo(bootstrap);
      TestClients.produce(bootstrap, "durable", "after", 20);
      List<ConsumerRecord<String, String>> records = TestClients.consumeToEnd(bootstrap, "durable", Map.of());
      assertThat(records).extracting(ConsumerRecord::key)
          .hasSize(40)
          .contains("before-0", "before-19", "after-0", "after-19");
    }
  }

  @Test
  void close_afterStopAndRestart_deletesTempDirAndEndsChildProcess() throws Exception {
    EmbeddedKafka kafka = EmbeddedKafka.start();
    ProcessHandle first = kafka.processHandle().orElseThrow();
    kafka.stop();
    assertThat(first.isAlive()).isFalse();
    assertThat(kafka.isRunning()).isFalse();
    kafka.restart();
    // Regression: right after a restart the broker's metadata lags the controller, and createTopic failed with
    // UNKNOWN_TOPIC_OR_PARTITION because the 4.x Admin client does not retry that error for ListOffsets.
    kafka.createTopic("after-graceful-restart", 1);
    TestClients.produce(kafka.bootstrapServers(), "after-graceful-restart", "k", 1);

    ProcessHandle broker = kafka.processHandle().orElseThrow();
    Path logDir = kafka.logDir();
    Path workDir = kafka.brokerLog().getParent();
    assertThat(broker.isAlive()).isTrue();
    assertThat(logDir.resolve("meta.properties")).exists();

    kafka.close();

    assertThat(broker.isAlive()).isFalse();
    assertThat(kafka.isRunning()).isFalse();
    assertThat(workDir).doesNotExist();
    assertThat(logDir).doesNotExist();
    kafka.close(); // idempotent
  }

  @Test
  void parentKilledWithSigkill_brokerChild_exitsByItself() throws Exception {
    // A separate parent JVM, because kill -9 skips shutdown hooks: only BrokerMain's stdin watchdog can act then.
    Process parent = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), OrphanParent.class.getName())
        .redirectErrorStream(true).start();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(parent.getInputStream(), UTF_8))) {
      // OrphanParent prints "broker <pid> <workDir>" once its broker is ready, or "failed ..."
      String line = out.lines()
          .filter(l -> l.startsWith("broker ") || l.startsWith("failed "))
          .findFirst().orElse("eof");
      assertThat(line).startsWith("broker ");
      String[] parts = line.split(" ");
      ProcessHandle broker = ProcessHandle.of(Long.parseLong(parts[1])).orElseThrow();
      Path workDir = Path.of(parts[2]);
      assertThat(broker.isAlive()).isTrue();

      parent.destroyForcibly();
      assertThat(parent.waitFor(10, TimeUnit.SECONDS)).isTrue();

      assertThat(broker.onExit().get(30, TimeUnit.SECONDS).isAlive()).isFalse();
      deleteRecursively(workDir); // the killed parent could not clean up
    } finally {
      parent.destroyForcibly();
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  @Test
  void stop_thenRestartWithPersistentLogDir_reusesFormattedStorage(@TempDir Path dataDir) throws Exception {
    EmbeddedKafka.Options options = EmbeddedKafka.Options.builder().logDir(dataDir).partitions(2).build();
    try (EmbeddedKafka kafka = EmbeddedKafka.start(options)) {
      kafka.createTopic("kept", 1);
      TestClients.produce(kafka.bootstrapServers(), "kept", "k", 5);
    }
    assertThat(dataDir.resolve("meta.properties")).exists(); // a given log dir survives close()

    // A new instance on new ports: a static quorum keeps no controller endpoint in the log, so this works.
    try (EmbeddedKafka again = EmbeddedKafka.start(options)) {
      assertThat(TestClients.consumeToEnd(again.bootstrapServers(), "kept", Map.of())).hasSize(5);
    }
  }

  @Test
  void start_invalidBrokerProperty_failsWithLogTail() {
    EmbeddedKafka.Options options = EmbeddedKafka.Options.builder()
        .brokerProperty("num.io.threads", "not-a-number").build();

    assertThatThrownBy(() -> EmbeddedKafka.start(options))
        .isInstanceOf(EmbeddedKafkaException.class)
        .hasMessageContaining("num.io.threads")
        .satisfies(e -> {
          Matcher m = Pattern.compile("format of (\\S+) failed").matcher(e.getMessage());
          assertThat(m.find()).isTrue();
          assertThat(Path.of(m.group(1)).getParent()).as("temp work dir of the failed start").doesNotExist();
        });
  }

  @Test
  void start_portAlreadyTaken_failsFastWithBrokerLogTail() throws Exception {
    // Formatting does not bind ports, so this gets past format and the broker process itself dies.
    try (ServerSocket occupied = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      EmbeddedKafka.Options options = EmbeddedKafka.Options.builder().port(occupied.getLocalPort()).build();

      // "exited with code" is the fail-fast path (the process died), not the start-up timeout: no timing
      // assertion, which a loaded machine (load 15 on 2 cores) broke at 30.4 s.
      assertThatThrownBy(() -> EmbeddedKafka.start(options))
          .isInstanceOf(EmbeddedKafkaException.class)
          .hasMessageContaining("exited with code")
          .hasMessageContaining("kafka.log");
    }
  }
}
