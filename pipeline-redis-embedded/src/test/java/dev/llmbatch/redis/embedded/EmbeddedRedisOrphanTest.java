package dev.llmbatch.redis.embedded;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** No redis-server outlives the JVM that started it. Each test runs the owner in a separate JVM. */
class EmbeddedRedisOrphanTest {

  @Test
  void ownerJvmExitsNormally_shutdownHook_killsServerAndDeletesItsFiles() throws Exception {
    Process parent = startParent("exit");
    try {
      String[] server = awaitServerLine(parent);
      // The parent exits right after printing; its hook may have killed the server before we look it up.
      Optional<ProcessHandle> redis = ProcessHandle.of(Long.parseLong(server[1]));

      assertThat(parent.waitFor(30, TimeUnit.SECONDS)).isTrue();

      if (redis.isPresent()) {
        assertThat(redis.get().onExit().get(10, TimeUnit.SECONDS).isAlive()).isFalse();
      }
      assertThat(Path.of(server[2])).doesNotExist();
    } finally {
      parent.destroyForcibly();
    }
  }

  @Test
  void ownerJvmKilledWithSigkill_nextStart_killsTheOrphanAndDeletesItsFiles() throws Exception {
    Process parent = startParent("block");
    try {
      String[] server = awaitServerLine(parent);
      ProcessHandle orphan = ProcessHandle.of(Long.parseLong(server[1])).orElseThrow();
      parent.destroyForcibly(); // kill -9 skips shutdown hooks
      assertThat(parent.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(orphan.isAlive()).isTrue();

      try (EmbeddedRedis next = EmbeddedRedis.start(Map.of("PATH", System.getenv("PATH")))) {
        assertThat(orphan.onExit().get(10, TimeUnit.SECONDS).isAlive()).isFalse();
        assertThat(Path.of(server[2])).doesNotExist();
        assertThat(next.processHandle().orElseThrow().isAlive()).isTrue();
      }
    } finally {
      parent.destroyForcibly();
    }
  }

  private static Process startParent(String mode) throws IOException {
    return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), OrphanParent.class.getName(), mode)
        .redirectErrorStream(true)
        .start();
  }

  /** "server PID DIR", once the parent's redis-server answers PING. */
  private static String[] awaitServerLine(Process parent) throws IOException {
    BufferedReader out = new BufferedReader(new InputStreamReader(parent.getInputStream(), UTF_8));
    String line = out.lines().filter(l -> l.startsWith("server ") || l.startsWith("failed ")).findFirst().orElse("eof");
    assertThat(line).startsWith("server ");
    // keep draining so that the parent never blocks on a full pipe
    Thread drain = new Thread(() -> {
      try {
        out.lines().forEach(l -> { });
      } catch (UncheckedIOException e) {
        // the stream closes when the parent is killed
      }
    }, "orphan-parent-output");
    drain.setDaemon(true);
    drain.start();
    return line.split(" ");
  }
}
