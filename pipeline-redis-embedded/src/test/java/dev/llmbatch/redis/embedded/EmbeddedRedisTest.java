package dev.llmbatch.redis.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against real redis-server processes: whichever {@link EmbeddedRedis#start()} finds here, and the bundled one. */
class EmbeddedRedisTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  @TempDir Path tmp;

  @Test
  void start_default_answersPingOverARawSocket() throws IOException {
    try (EmbeddedRedis redis = EmbeddedRedis.start(ownedEnvironment())) {
      assertThat(redis.uri()).isEqualTo(URI.create("redis://127.0.0.1:" + redis.port() + "/0"));
      assertThat(redis.ownsProcess()).isTrue();
      assertThat(call(redis.port(), "PING")).isEqualTo("PONG");
    }
  }

  @Test
  void start_setThenGet_roundTripsTheValue() throws IOException {
    try (EmbeddedRedis redis = EmbeddedRedis.start(ownedEnvironment());
         RespConnection connection = RespConnection.open(redis.port(), TIMEOUT)) {
      assertThat(connection.call("SET", "quota:swedencentral", "héllo 450000")).isEqualTo("OK");
      assertThat(connection.call("GET", "quota:swedencentral")).isEqualTo("héllo 450000");
      assertThat(connection.call("GET", "absent")).isNull();
      assertThat(connection.call("INCRBY", "n", "41")).isEqualTo(41L);
    }
  }

  @Test
  void start_ownedServer_bindsLoopbackWithoutPersistence() throws IOException {
    try (EmbeddedRedis redis = EmbeddedRedis.start(ownedEnvironment());
         RespConnection connection = RespConnection.open(redis.port(), TIMEOUT)) {
      assertThat(connection.call("CONFIG", "GET", "bind")).asList().containsExactly("bind", "127.0.0.1");
      assertThat(connection.call("CONFIG", "GET", "save")).asList().containsExactly("save", "");
      assertThat(connection.call("CONFIG", "GET", "appendonly")).asList().containsExactly("appendonly", "no");
    }
  }

  @Test
  void kill_thenRestart_servesAgainOnTheSamePort() throws IOException {
    try (EmbeddedRedis redis = EmbeddedRedis.start(ownedEnvironment())) {
      int port = redis.port();
      call(port, "SET", "k", "v");
      ProcessHandle first = redis.processHandle().orElseThrow();

      redis.kill();

      assertThat(first.isAlive()).isFalse();
      assertThatThrownBy(() -> call(port, "PING")).isInstanceOf(IOException.class);

      redis.restart();

      assertThat(redis.port()).isEqualTo(port);
      assertThat(redis.processHandle().orElseThrow().pid()).isNotEqualTo(first.pid());
      assertThat(call(port, "PING")).isEqualTo("PONG");
      assertThat(call(port, "GET", "k")).as("nothing is persisted").isNull();
    }
  }

  @Test
  void stop_thenRestart_servesAgainOnTheSamePort() throws IOException {
    try (EmbeddedRedis redis = EmbeddedRedis.start(ownedEnvironment())) {
      ProcessHandle first = redis.processHandle().orElseThrow();

      redis.stop();

      assertThat(first.isAlive()).isFalse();
      redis.restart();
      assertThat(call(redis.port(), "PING")).isEqualTo("PONG");
    }
  }

  @Test
  void close_calledTwice_leavesNoProcessNorFiles() {
    EmbeddedRedis redis = EmbeddedRedis.start(ownedEnvironment());
    ProcessHandle server = redis.processHandle().orElseThrow();
    Path dir = redis.logFile().orElseThrow().getParent();

    redis.close();
    redis.close();

    assertThat(server.isAlive()).isFalse();
    assertThat(dir).doesNotExist();
    assertThatThrownBy(redis::restart).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }

  @Test
  void start_redisUrlGiven_usesItAndOwnsNoProcess() throws IOException {
    try (EmbeddedRedis server = EmbeddedRedis.start(ownedEnvironment());
         EmbeddedRedis external = EmbeddedRedis.start(Map.of("REDIS_URL", server.uri().toString(),
             "PATH", emptyDir().toString()))) {
      assertThat(external.source()).isEqualTo(EmbeddedRedis.Source.REDIS_URL);
      assertThat(external.ownsProcess()).isFalse();
      assertThat(external.uri()).isEqualTo(server.uri());
      assertThat(external.port()).isEqualTo(server.port());
      assertThat(external.logFile()).isEmpty();
      assertThat(call(external.port(), "PING")).isEqualTo("PONG");

      assertThatThrownBy(external::stop).isInstanceOf(IllegalStateException.class).hasMessageContaining("REDIS_URL");
      assertThatThrownBy(external::kill).isInstanceOf(IllegalStateException.class).hasMessageContaining("kill");
      assertThatThrownBy(external::restart).isInstanceOf(IllegalStateException.class);
      external.close();
      assertThat(call(server.port(), "PING")).as("closing the external one leaves the server").isEqualTo("PONG");
    }
  }

  @Test
  void start_redisUrlWithPassword_keepsItOutOfToString() {
    try (EmbeddedRedis external = EmbeddedRedis.start(Map.of("REDIS_URL", "redis://user:s3cret@cache/1"))) {
      assertThat(external.port()).isEqualTo(6379);
      assertThat(external.toString()).contains("cache").doesNotContain("s3cret");
    }
  }

  @Test
  void start_pathWithoutRedisServer_runsTheBundledBinary() throws IOException {
    assumeTrue(System.getProperty("os.name").startsWith("Linux")
        && System.getProperty("os.arch").matches("amd64|x86_64"), "the bundled binary is checked on linux-x86_64");

    try (EmbeddedRedis redis = EmbeddedRedis.start(Map.of("PATH", emptyDir().toString()))) {
      assertThat(redis.source()).isEqualTo(EmbeddedRedis.Source.BUNDLED);
      assertThat(call(redis.port(), "PING")).isEqualTo("PONG");
      redis.kill();
      redis.restart();
      assertThat(call(redis.port(), "PING")).isEqualTo("PONG");
    }
  }

  @Test
  void start_serverExitsAtOnce_failsWithItsLogTail() throws IOException {
    Path bin = Files.createDirectories(tmp.resolve("broken")).resolve("redis-server");
    Files.writeString(bin, "#!/bin/sh\necho 'FATAL: cannot start, args were' \"$@\"\nexit 3\n");
    assertThat(bin.toFile().setExecutable(true)).isTrue();

    assertThatThrownBy(() -> EmbeddedRedis.start(Map.of("PATH", bin.getParent().toString())))
        .isInstanceOf(EmbeddedRedisException.class)
        .hasMessageContaining("exited with code 3")
        .hasMessageContaining("FATAL: cannot start, args were --port");
  }

  @Test
  void start_serverNeverAnswers_failsAfterTheTimeoutWithItsLogTail() throws IOException {
    Path bin = Files.createDirectories(tmp.resolve("mute")).resolve("redis-server");
    Files.writeString(bin, "#!/bin/sh\necho 'listening nowhere'\nexec cat\n");
    assertThat(bin.toFile().setExecutable(true)).isTrue();

    assertThatThrownBy(() -> EmbeddedRedis.builder()
        .environment(Map.of("PATH", bin.getParent().toString()))
        .startupTimeout(Duration.ofMillis(300))
        .start())
        .isInstanceOf(EmbeddedRedisException.class)
        .hasMessageContaining("did not answer PING")
        .hasMessageContaining("listening nowhere");
  }

  /** The process environment minus REDIS_URL, so that these tests own their server even where REDIS_URL is set. */
  private static Map<String, String> ownedEnvironment() {
    String path = System.getenv("PATH");
    return path == null ? Map.of() : Map.of("PATH", path);
  }

  private Path emptyDir() throws IOException {
    return Files.createDirectories(tmp.resolve("empty-path"));
  }

  private static Object call(int port, String... command) throws IOException {
    try (RespConnection connection = RespConnection.open(port, TIMEOUT)) {
      return connection.call(command);
    }
  }
}
