package dev.llmbatch.kafka.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class BrokerFilesTest {

  @Test
  void brokerProperties_singleNode_staticVoterAndReplicationFactorOne() {
    Map<String, String> p = BrokerFiles.brokerProperties(19092, 19093, Path.of("/data"), 3, Map.of());

    assertThat(p).containsEntry("process.roles", "broker,controller")
        .containsEntry("controller.quorum.voters", "1@127.0.0.1:19093")
        .containsEntry("listeners", "PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093")
        .containsEntry("advertised.listeners", "PLAINTEXT://127.0.0.1:19092")
        .containsEntry("num.partitions", "3")
        .containsEntry("offsets.topic.replication.factor", "1")
        .containsEntry("transaction.state.log.replication.factor", "1")
        .containsEntry("transaction.state.log.min.isr", "1")
        .containsEntry("auto.create.topics.enable", "false")
        .doesNotContainKey("controller.quorum.bootstrap.servers");
  }

  @Test
  void brokerProperties_extra_overridesGenerated() {
    Map<String, String> p = BrokerFiles.brokerProperties(1, 2, Path.of("/d"), 1,
        Map.of("auto.create.topics.enable", "true", "log.retention.ms", "1000"));

    assertThat(p).containsEntry("auto.create.topics.enable", "true").containsEntry("log.retention.ms", "1000");
  }

  @Test
  void writeServerProperties_awkwardCharacters_readBackByJavaUtilProperties() throws Exception {
    BrokerFiles files = BrokerFiles.create(null);
    try {
      Map<String, String> written = Map.of(
          "listeners", "PLAINTEXT://127.0.0.1:1",
          "log.dirs", "/tmp/dir with spaces/ünïcödé\\x",
          "odd:key=name", " leading space #not a comment");
      files.writeServerProperties(written);

      Properties read = new Properties();
      // Kafka loads server.properties with Properties.load(InputStream), i.e. as ISO-8859-1
      try (var in = Files.newInputStream(files.serverProperties())) {
        read.load(in);
      }
      written.forEach((k, v) -> assertThat(read.getProperty(k)).as(k).isEqualTo(v));
    } finally {
      files.delete();
    }
    assertThat(files.workDir()).doesNotExist();
  }

  @Test
  void tail_longFile_returnsLastLinesOnly() throws Exception {
    Path file = Files.createTempFile("tail", ".log");
    try {
      StringBuilder text = new StringBuilder();
      for (int i = 0; i < 1000; i++) {
        text.append("line ").append(i).append('\n');
      }
      Files.writeString(file, text, StandardCharsets.UTF_8);

      String tail = BrokerFiles.tail(file);

      assertThat(tail).endsWith("line 999").contains("line 960").doesNotContain("line 959\n");
    } finally {
      Files.delete(file);
    }
    assertThat(BrokerFiles.tail(file)).contains("does not exist");
  }


  @Test
  void create_workDirOfKilledJvm_isSweptButLiveOnesAreKept() throws Exception {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    Process finished = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-version").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    String deadIdentity = finished.pid() + " " + finished.info().startInstant().map(Object::toString).orElse("?");
    finished.waitFor();
    Path stale = Files.createTempDirectory(tmp, "embedded-kafka-");
    Files.writeString(stale.resolve("owner.pid"), deadIdentity);
    Files.createDirectories(stale.resolve("data/topic-0"));
    Path live = Files.createTempDirectory(tmp, "embedded-kafka-");
    Files.writeString(live.resolve("owner.pid"), ProcessHandle.current().pid() + " "
        + ProcessHandle.current().info().startInstant().orElseThrow());
    Path foreign = Files.createTempDirectory(tmp, "embedded-kafka-"); // no owner file: not ours to judge

    BrokerFiles files = BrokerFiles.create(null);
    try {
      assertThat(stale).doesNotExist();
      assertThat(live).exists();
      assertThat(foreign).exists();
    } finally {
      files.delete();
      Files.deleteIfExists(live.resolve("owner.pid"));
      Files.deleteIfExists(live);
      Files.deleteIfExists(foreign);
    }
  }
}
