package dev.llmbatch.kafka.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The files of one embedded broker: a private work directory holding the generated {@code server.properties}, the
 * child's logging configuration and its console output, plus the Kafka log directory (inside the work directory
 * unless the caller chose a persistent one).
 *
 * <p>Not thread-safe; {@link EmbeddedKafka} confines it behind its own lock.
 */
final class BrokerFiles {
  /** The broker's node id; a single combined node is both the only broker and the only controller voter. */
  static final int NODE_ID = 1;

  private static final String WORK_DIR_PREFIX = "embedded-kafka-";
  /** Identifies the JVM that created a work directory, so that a later start can tell it is gone. */
  private static final String OWNER_FILE = "owner.pid";
  /** Identifies the broker process last started in a work directory. */
  private static final String BROKER_FILE = "broker.pid";

  private static final int LOG_TAIL_BYTES = 16 * 1024;
  private static final int LOG_TAIL_LINES = 40;

  private final Path workDir;
  private final Path logDir;
  private final boolean ownsLogDir;

  private BrokerFiles(Path workDir, Path logDir, boolean ownsLogDir) {
    this.workDir = workDir;
    this.logDir = logDir;
    this.ownsLogDir = ownsLogDir;
  }

  /** Creates a fresh work directory and the log directory ({@code requestedLogDir}, or one inside the work dir). */
  static BrokerFiles create(Path requestedLogDir) {
    try {
      Path work = Files.createTempDirectory(WORK_DIR_PREFIX);
      write(work.resolve(OWNER_FILE), identity(ProcessHandle.current()));
      Path logs = requestedLogDir == null ? work.resolve("data") : requestedLogDir.toAbsolutePath();
      Files.createDirectories(logs);
      BrokerFiles files = new BrokerFiles(work, logs, requestedLogDir == null);
      files.writeLoggingConfig();
      sweepStale(work.getParent(), work);
      return files;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the embedded broker's directories", e);
    }
  }

  /** Records the broker process, so that a sweep never deletes files under a broker that is still shutting down. */
  void recordBroker(ProcessHandle broker) {
    write(workDir.resolve(BROKER_FILE), identity(broker));
  }

  /** "pid startInstant": a pid alone can be reused by an unrelated process. */
  private static String identity(ProcessHandle process) {
    return process.pid() + " " + process.info().startInstant().map(Object::toString).orElse("?");
  }

  private static boolean isAlive(Path identityFile) throws IOException {
    String[] parts = Files.readString(identityFile, StandardCharsets.UTF_8).trim().split(" ");
    Optional<ProcessHandle> process = ProcessHandle.of(Long.parseLong(parts[0]));
    if (process.isEmpty()) {
      return false;
    }
    Optional<String> started = process.get().info().startInstant().map(Object::toString);
    return started.isEmpty() || "?".equals(parts[1]) || started.get().equals(parts[1]);
  }

  /**
   * Deletes work directories left behind by JVMs that were killed with SIGKILL (their shutdown hooks never ran):
   * those whose owner JVM and broker process are both gone. Directories without an owner file are not ours and are
   * left alone; any doubt (unreadable file, unknown start time) keeps a directory.
   */
  private static void sweepStale(Path tempRoot, Path current) {
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(tempRoot, WORK_DIR_PREFIX + "*")) {
      for (Path dir : dirs) {
        if (dir.equals(current) || !Files.isRegularFile(dir.resolve(OWNER_FILE))) {
          continue;
        }
        try {
          Path broker = dir.resolve(BROKER_FILE);
          if (!isAlive(dir.resolve(OWNER_FILE)) && (!Files.exists(broker) || !isAlive(broker))) {
            deleteTree(dir);
          }
        } catch (IOException | RuntimeException e) {
          // another JVM may be sweeping or writing it right now; leave it
        }
      }
    } catch (IOException e) {
      // sweeping is housekeeping; never fail a start because of it
    }
  }

  Path workDir() {
    return workDir;
  }

  Path logDir() {
    return logDir;
  }

  Path serverProperties() {
    return workDir.resolve("server.properties");
  }

  /** The child's stdout and stderr, appended across restarts. */
  Path brokerLog() {
    return workDir.resolve("kafka.log");
  }

  /** The storage tool's output. */
  Path formatLog() {
    return workDir.resolve("format.log");
  }

  Path logbackConfig() {
    return workDir.resolve("logback.xml");
  }

  Path log4j2Config() {
    return workDir.resolve("log4j2.xml");
  }

  /** Whether {@code kafka-storage format} has already run on the log directory (restart, persistent dir). */
  boolean isFormatted() {
    return Files.exists(logDir.resolve("meta.properties"));
  }

  /**
   * The broker configuration: a static single-voter KRaft quorum ({@code controller.quorum.voters}, i.e.
   * {@code kraft.version=0}). A static quorum stores no controller endpoint in the metadata log, so a persistent log
   * directory can be reused with a different controller port; {@code --standalone} (a dynamic quorum) would pin it.
   * {@code extra} is applied last and wins.
   */
  static Map<String, String> brokerProperties(int port, int controllerPort, Path logDir, int partitions,
                                              Map<String, String> extra) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("process.roles", "broker,controller");
    p.put("node.id", Integer.toString(NODE_ID));
    p.put("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort);
    p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("log.dirs", logDir.toString());
    p.put("num.partitions", Integer.toString(partitions));
    p.put("default.replication.factor", "1");
    p.put("min.insync.replicas", "1");
    // Internal topics default to replication factor 3, which a single node can never satisfy.
    p.put("offsets.topic.replication.factor", "1");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    // 50 partitions each (the defaults) make the first consumer group and the first transaction slow to set up.
    p.put("offsets.topic.num.partitions", "10");
    p.put("transaction.state.log.num.partitions", "10");
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("auto.create.topics.enable", "false");
    // After kill -9 the restarted controller gives the dead incarnation's registration a fresh session and rejects
    // the new incarnation as a duplicate until that session expires: 9 s by default, the bulk of a restart.
    // 4 s still tolerates multi-second stalls of a loaded 2-core machine before the broker would be fenced.
    p.put("broker.heartbeat.interval.ms", "500");
    p.put("broker.session.timeout.ms", "4000");
    // Lean on a 2-core machine with a 512 MB heap: the cleaner's default 128 MB dedupe buffer is a quarter of it.
    p.put("log.cleaner.dedupe.buffer.size", Integer.toString(16 * 1024 * 1024));
    p.put("num.network.threads", "2");
    p.put("num.io.threads", "4");
    p.put("num.recovery.threads.per.data.dir", "2");
    p.putAll(extra);
    return p;
  }

  void writeServerProperties(Map<String, String> properties) {
    StringBuilder text = new StringBuilder("# Generated by dev.llmbatch.kafka.embedded.EmbeddedKafka\n");
    properties.forEach((k, v) -> text.append(escape(k, true)).append('=').append(escape(v, false)).append('\n'));
    write(serverProperties(), text.toString());
  }

  /** java.util.Properties syntax, keeping the usual values (listeners with ':') readable. */
  private static String escape(String s, boolean key) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '=', ':', '#', '!', ' ' -> out.append(key || (c == ' ' && i == 0) ? "\\" : "").append(c);
        default -> {
          if (c < 0x20 || c > 0x7e) {
            out.append(String.format("\\u%04x", (int) c)); // Kafka loads properties as ISO-8859-1
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.toString();
  }

  /**
   * The broker logs through SLF4J. Which provider it finds depends on the classpath (logback-classic in this
   * project's tests and CLI; log4j-slf4j2-impl in a Kafka distribution), so both get a WARN-level console config and
   * the console goes to {@link #brokerLog()}.
   */
  private void writeLoggingConfig() {
    write(logbackConfig(), """
        <configuration>
          <appender name="CONSOLE" class="ch.qos.logback.core.ConsoleAppender">
            <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n</pattern></encoder>
          </appender>
          <root level="WARN"><appender-ref ref="CONSOLE"/></root>
        </configuration>
        """);
    write(log4j2Config(), """
        <?xml version="1.0" encoding="UTF-8"?>
        <Configuration status="WARN">
          <Appenders>
            <Console name="CONSOLE" target="SYSTEM_OUT">
              <PatternLayout pattern="%d{HH:mm:ss.SSS} %-5level [%t] %c{1.} - %msg%n"/>
            </Console>
          </Appenders>
          <Loggers><Root level="WARN"><AppenderRef ref="CONSOLE"/></Root></Loggers>
        </Configuration>
        """);
  }

  /** The last lines of {@code file}, or a note saying it is missing; never throws. */
  static String tail(Path file) {
    try (SeekableByteChannel channel = Files.newByteChannel(file, StandardOpenOption.READ)) {
      long size = channel.size();
      long from = Math.max(0, size - LOG_TAIL_BYTES);
      ByteBuffer buffer = ByteBuffer.allocate((int) (size - from));
      channel.position(from);
      while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
        // read until the buffer is full or the file ends
      }
      String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
      List<String> lines = text.lines().toList();
      List<String> last = lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size());
      return last.isEmpty() ? "(" + file + " is empty)" : String.join("\n", last);
    } catch (NoSuchFileException e) {
      return "(" + file + " does not exist)";
    } catch (IOException e) {
      return "(cannot read " + file + ": " + e + ")";
    }
  }

  /** Deletes the work directory and, if this instance created it, the log directory. */
  void delete() {
    deleteTree(workDir);
    if (!ownsLogDir) {
      return;
    }
    deleteTree(logDir);
  }

  /** Tolerates files vanishing meanwhile (the shutdown hook and close() may race while the JVM exits). */
  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try {
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.deleteIfExists(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
          if (e instanceof NoSuchFileException) {
            return FileVisitResult.CONTINUE;
          }
          throw e;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
          if (e != null && !(e instanceof NoSuchFileException)) {
            throw e;
          }
          Files.deleteIfExists(dir);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (NoSuchFileException e) {
      // already gone
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + root, e);
    }
  }

  private static void write(Path file, String text) {
    try {
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
