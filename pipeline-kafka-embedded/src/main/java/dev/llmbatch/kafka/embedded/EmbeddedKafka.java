package dev.llmbatch.kafka.embedded;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.CodeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Apache Kafka broker (KRaft, combined broker and controller) running as a child JVM process on
 * the loopback interface, for integration tests and local development.
 *
 * <p>{@link #start(Options)} writes a {@code server.properties} into a fresh temporary work directory, formats the
 * log directory with {@code kafka.tools.StorageTool} (a short-lived child JVM), launches {@code kafka.Kafka} and
 * returns once an Admin client sees the broker in {@code describeCluster}. The broker's console output (logging at
 * WARN) goes to {@link #brokerLog()}; a start that fails throws {@link EmbeddedKafkaException} with its tail.
 *
 * <p>Crash testing: {@link #kill()} is {@code kill -9}; {@link #restart()} brings the broker back on the same ports
 * and log directory, so clients configured with {@link #bootstrapServers()} reconnect and see the data written
 * before the crash.
 *
 * <p>No orphans: a JVM shutdown hook stops the broker and deletes its files when this JVM exits normally or on
 * SIGTERM/SIGINT; the child itself exits when this JVM's end of its stdin pipe closes, which also covers
 * {@code kill -9} of this JVM; and the next start anywhere deletes work directories whose JVM and broker are gone.
 *
 * <p>Thread-safe: lifecycle methods are serialized on this instance; {@link #bootstrapServers()},
 * {@link #logDir()} and {@link #isRunning()} never block. All methods block the calling thread (process start and
 * stop take seconds), so never call them from an event loop.
 */
public final class EmbeddedKafka implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);

  /** How long {@link #stop()} waits after SIGTERM before it uses SIGKILL. */
  static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration KILL_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration TOPIC_TIMEOUT = Duration.ofSeconds(30);
  private static final int ADMIN_CALL_TIMEOUT_MILLIS = 5_000;
  private static final long PROBE_INTERVAL_MILLIS = 50;
  private static final int START_ATTEMPTS = 3;

  private final Options options;
  private final BrokerFiles files;
  private final int port;
  private final int controllerPort;
  private final String bootstrapServers;
  /** The SASL_PLAINTEXT listener's address, or null without {@link Options.Builder#saslPlainUser}. */
  private final String saslBootstrapServers;
  private final Thread shutdownHook;

  /** Written under the lock, read lock-free by {@link #isRunning()} and the shutdown hook. */
  private volatile Process process;
  private Admin admin; // guarded by this
  private boolean closed; // guarded by this

  private EmbeddedKafka(Options options, int port, int controllerPort) {
    this.options = options;
    this.port = port;
    this.controllerPort = controllerPort;
    this.bootstrapServers = "127.0.0.1:" + port;
    Map<String, String> extra = new LinkedHashMap<>();
    if (options.saslPlainUsers().isEmpty()) {
      this.saslBootstrapServers = null;
    } else {
      int saslPort = saslPort(port, controllerPort);
      this.saslBootstrapServers = "127.0.0.1:" + saslPort;
      extra.putAll(saslPlainListener(port, controllerPort, saslPort, options.saslPlainUsers()));
    }
    extra.putAll(options.brokerProperties());
    this.files = BrokerFiles.create(options.logDir().orElse(null));
    try {
      files.writeServerProperties(BrokerFiles.brokerProperties(port, controllerPort, files.logDir(),
          options.partitions(), extra));
    } catch (RuntimeException e) {
      files.delete();
      throw e;
    }
    this.shutdownHook = new Thread(this::onJvmExit, "embedded-kafka-shutdown-" + port);
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  private static int saslPort(int port, int controllerPort) {
    while (true) {
      int p = FreePorts.pick(1)[0];
      if (p != port && p != controllerPort) {
        return p;
      }
    }
  }

  /**
   * A second client listener, {@code SASL_PLAINTEXT} with the PLAIN mechanism and these users (the broker's own
   * admin client and replication stay on the PLAINTEXT listener, bound to loopback like everything here).
   */
  static Map<String, String> saslPlainListener(int port, int controllerPort, int saslPort,
      Map<String, String> users) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort
        + ",SASL_PLAINTEXT://127.0.0.1:" + saslPort);
    p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port + ",SASL_PLAINTEXT://127.0.0.1:" + saslPort);
    p.put("listener.security.protocol.map",
        "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT");
    p.put("sasl.enabled.mechanisms", "PLAIN");
    p.put("listener.name.sasl_plaintext.sasl.enabled.mechanisms", "PLAIN");
    StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required");
    users.forEach((user, password) -> jaas.append(" user_").append(user).append("=\"").append(password)
        .append('"'));
    p.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", jaas.append(';').toString());
    return p;
  }

  /** Starts a broker with {@link Options#defaults()}: free ports, a temporary log directory. */
  public static EmbeddedKafka start() {
    return start(Options.defaults());
  }

  /**
   * Starts a broker and waits until it serves requests.
   *
   * @throws EmbeddedKafkaException if formatting or starting fails or takes longer than the startup timeout
   */
  public static EmbeddedKafka start(Options options) {
    Objects.requireNonNull(options, "options");
    for (int attempt = 1; ; attempt++) {
      int[] ports = choosePorts(options);
      EmbeddedKafka kafka = new EmbeddedKafka(options, ports[0], ports[1]);
      long begin = System.nanoTime();
      try {
        kafka.launch();
        log.info("Kafka broker ready at {} in {} ms (log dir {})", kafka.bootstrapServers,
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin), kafka.logDir());
        return kafka;
      } catch (RuntimeException e) {
        // A port found free may have been taken before the broker bound it; that alone is worth another try.
        boolean lostPortRace = attempt < START_ATTEMPTS && kafka.portTakenByOthers();
        kafka.closeQuietly(e);
        if (!lostPortRace) {
          throw e;
        }
        log.warn("Port {} or {} was taken by another process during startup; retrying with new ports",
            kafka.port, kafka.controllerPort);
      }
    }
  }

  private static int[] choosePorts(Options options) {
    int[] free = FreePorts.pick(2);
    int port = options.port() != 0 ? options.port() : firstOtherThan(free, options.controllerPort());
    int controllerPort = options.controllerPort() != 0 ? options.controllerPort() : firstOtherThan(free, port);
    return new int[] {port, controllerPort};
  }

  /** The first of the distinct {@code candidates} that is not {@code taken}. */
  private static int firstOtherThan(int[] candidates, int taken) {
    return candidates[0] != taken ? candidates[0] : candidates[1];
  }

  /** {@code 127.0.0.1:PORT}; stays the same across {@link #restart()}. */
  public String saslBootstrapServers() {
    if (saslBootstrapServers == null) {
      throw new IllegalStateException("no SASL listener: start the broker with Options.Builder#saslPlainUser");
    }
    return saslBootstrapServers;
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** The Kafka log directory ({@code log.dirs}); inside the temporary work directory unless one was given. */
  public Path logDir() {
    return files.logDir();
  }

  /** The file receiving the broker's stdout and stderr (appended across restarts). */
  public Path brokerLog() {
    return files.brokerLog();
  }

  /** Whether the broker process is alive (it may still be starting or stopping). */
  public boolean isRunning() {
    Process p = process;
    return p != null && p.isAlive();
  }

  /**
   * Creates a topic (if absent) and waits until every partition has a leader that serves requests. An existing topic
   * is kept as it is, whatever its partition count.
   *
   * @throws org.apache.kafka.common.errors.TimeoutException if the topic is not usable within 30 s
   * @throws org.apache.kafka.common.KafkaException if the broker refuses the topic
   * @throws EmbeddedKafkaException if the broker process dies meanwhile
   */
  public void createTopic(String name, int partitions) {
    createTopics(Map.of(name, partitions));
  }

  /** As {@link #createTopic(String, int)} for several topics (name to partition count) at once. */
  public synchronized void createTopics(Map<String, Integer> partitionsByTopic) {
    ensureRunning();
    Topics.create(admin(), partitionsByTopic, TOPIC_TIMEOUT, this::pauseOnBroker);
  }

  /** Waits between topic polls on the broker process itself, so that a broker dying meanwhile ends the wait. */
  private void pauseOnBroker(Duration pause) throws InterruptedException {
    Process p = process;
    if (p.waitFor(pause.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new EmbeddedKafkaException("Kafka broker process exited with code " + p.exitValue()
          + "; tail of " + files.brokerLog() + ":\n" + BrokerFiles.tail(files.brokerLog()));
    }
  }

  /**
   * Stops the broker gracefully: SIGTERM (controlled shutdown, logs flushed), then SIGKILL if it is still alive
   * after 20 s. Does nothing if it is not running. The log directory is kept.
   */
  public synchronized void stop() {
    closeAdmin();
    Process p = process;
    if (p == null || !p.isAlive()) {
      return;
    }
    terminate(p);
  }

  /** Kills the broker with SIGKILL and waits for the process to be gone: a crash, without controlled shutdown. */
  public synchronized void kill() {
    closeAdmin();
    Process p = process;
    if (p == null || !p.isAlive()) {
      return;
    }
    p.destroyForcibly();
    awaitExit(p, KILL_TIMEOUT);
  }

  /**
   * Starts the broker again on the same ports and log directory, keeping the data; stops it first if it is running.
   *
   * @throws EmbeddedKafkaException if it does not come up within the startup timeout
   */
  public synchronized void restart() {
    ensureOpen();
    stop();
    long begin = System.nanoTime();
    launch();
    log.info("Kafka broker restarted at {} in {} ms", bootstrapServers,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin));
  }

  /** Stops the broker (as {@link #stop()}) and deletes the temporary work directory. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      stop();
    } finally {
      files.delete();
      removeShutdownHook();
    }
  }

  @Override
  public String toString() {
    return "EmbeddedKafka[" + bootstrapServers + (isRunning() ? ", running" : ", stopped") + "]";
  }

  /** The running broker process, for tests that check it is really gone. */
  Optional<ProcessHandle> processHandle() {
    Process p = process;
    return p == null ? Optional.empty() : Optional.of(p.toHandle());
  }

  /** Blocks until the broker process exits and returns its exit code; for the command-line broker. */
  int awaitExit() throws InterruptedException {
    Process p = process;
    return p == null ? 0 : p.waitFor();
  }

  private synchronized void launch() {
    ensureOpen();
    if (!files.isFormatted()) {
      format();
    }
    Process p = startBroker();
    process = p;
    try {
      files.recordBroker(p.toHandle());
      awaitReady(p, System.nanoTime() + options.startupTimeout().toNanos());
    } catch (RuntimeException e) {
      closeAdmin();
      p.destroyForcibly();
      awaitExit(p, KILL_TIMEOUT);
      throw e;
    }
  }

  private void format() {
    List<String> command = javaCommand(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
    command.addAll(List.of("kafka.tools.StorageTool", "format",
        "--cluster-id", Uuid.randomUuid().toString(),
        "--config", files.serverProperties().toString()));
    Process p = spawn(command, ProcessBuilder.Redirect.to(files.formatLog().toFile()));
    long timeoutMillis = options.startupTimeout().toMillis();
    try {
      if (!p.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new EmbeddedKafkaException("kafka-storage format did not finish within " + timeoutMillis + " ms:\n"
            + BrokerFiles.tail(files.formatLog()));
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new EmbeddedKafkaException("interrupted while formatting " + files.logDir(), e);
    }
    if (p.exitValue() != 0) {
      throw new EmbeddedKafkaException("kafka-storage format of " + files.logDir() + " failed with exit code "
          + p.exitValue() + ":\n" + BrokerFiles.tail(files.formatLog()));
    }
  }

  private Process startBroker() {
    List<String> jvmFlags = new ArrayList<>();
    jvmFlags.add(options.heap());
    jvmFlags.addAll(options.jvmOptions());
    List<String> command = javaCommand(jvmFlags);
    command.add(BrokerMain.class.getName());
    command.add(files.serverProperties().toString());
    appendMarker("starting broker at " + bootstrapServers + ", controller port " + controllerPort);
    return spawn(command, ProcessBuilder.Redirect.appendTo(files.brokerLog().toFile()));
  }

  private List<String> javaCommand(List<String> jvmFlags) {
    List<String> command = new ArrayList<>();
    command.add(options.javaExecutable().toString());
    command.addAll(jvmFlags);
    command.add("-Djava.awt.headless=true");
    command.add("-Dlogback.configurationFile=" + files.logbackConfig());
    command.add("-Dlog4j2.configurationFile=" + files.log4j2Config());
    command.add("-Dkafka.logs.dir=" + files.workDir());
    command.add("-cp");
    command.add(childClasspath(options.classpath()));
    return command;
  }

  /** The configured classpath plus this module's own location, which holds {@link BrokerMain}. */
  static String childClasspath(String classpath) {
    String own = ownLocation();
    if (own == null || Arrays.asList(classpath.split(File.pathSeparator)).contains(own)) {
      return classpath;
    }
    return classpath + File.pathSeparator + own;
  }

  private static String ownLocation() {
    CodeSource source = EmbeddedKafka.class.getProtectionDomain().getCodeSource();
    if (source == null || source.getLocation() == null) {
      return null;
    }
    try {
      return Path.of(source.getLocation().toURI()).toString();
    } catch (URISyntaxException | IllegalArgumentException e) {
      return null;
    }
  }

  private Process spawn(List<String> command, ProcessBuilder.Redirect output) {
    ProcessBuilder builder = new ProcessBuilder(command)
        .directory(files.workDir().toFile())
        .redirectErrorStream(true)
        .redirectOutput(output);
    // stdin stays a pipe that this JVM never writes to: BrokerMain exits when it closes.
    try {
      return builder.start();
    } catch (IOException e) {
      throw new EmbeddedKafkaException("cannot run " + command.get(0), e);
    }
  }

  /**
   * Waits for the listener to accept connections (probing between bounded waits on the process, so a broker that
   * dies is noticed at once), then for the broker to appear in {@code describeCluster}.
   */
  private void awaitReady(Process p, long deadline) {
    try {
      while (!FreePorts.accepts(port, 1_000)) {
        if (p.waitFor(PROBE_INTERVAL_MILLIS, TimeUnit.MILLISECONDS)) {
          throw exited(p);
        }
        checkDeadline(deadline, null);
      }
      Throwable lastError = null;
      while (true) {
        int callTimeout = (int) Math.max(1, Math.min(ADMIN_CALL_TIMEOUT_MILLIS, millisLeft(deadline)));
        KafkaFuture<Collection<Node>> nodes =
            admin().describeCluster(new DescribeClusterOptions().timeoutMs(callTimeout)).nodes();
        try {
          // Wait on the answer in short slices so that a broker process that dies is noticed at once.
          while (!nodes.isDone()) {
            try {
              nodes.get(PROBE_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException stillWaiting) {
              if (!p.isAlive()) {
                throw exited(p);
              }
              checkDeadline(deadline, lastError);
            }
          }
          if (nodes.get().stream().anyMatch(n -> n.id() == BrokerFiles.NODE_ID)) {
            return;
          }
        } catch (ExecutionException e) {
          lastError = e.getCause(); // the broker is still starting: connection refused, timeout, not ready
        }
        if (p.waitFor(PROBE_INTERVAL_MILLIS, TimeUnit.MILLISECONDS)) {
          throw exited(p);
        }
        checkDeadline(deadline, lastError);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EmbeddedKafkaException("interrupted while waiting for the broker at " + bootstrapServers, e);
    }
  }

  private void checkDeadline(long deadline, Throwable lastError) {
    if (millisLeft(deadline) > 0) {
      return;
    }
    throw new EmbeddedKafkaException("Kafka broker at " + bootstrapServers + " was not ready within "
        + options.startupTimeout().toMillis() + " ms"
        + (lastError == null ? "" : " (last error: " + lastError + ")")
        + "; tail of " + files.brokerLog() + ":\n" + BrokerFiles.tail(files.brokerLog()), lastError);
  }

  private EmbeddedKafkaException exited(Process p) {
    return new EmbeddedKafkaException("Kafka broker process exited with code " + p.exitValue()
        + " during startup; tail of " + files.brokerLog() + ":\n" + BrokerFiles.tail(files.brokerLog()));
  }

  private static long millisLeft(long deadline) {
    return TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
  }

  private Admin admin() {
    if (admin == null) {
      Properties props = new Properties();
      props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
      props.put(AdminClientConfig.CLIENT_ID_CONFIG, "embedded-kafka-" + port);
      props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, ADMIN_CALL_TIMEOUT_MILLIS);
      props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TOPIC_TIMEOUT.toMillis());
      props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
      admin = Admin.create(props);
    }
    return admin;
  }

  private void closeAdmin() {
    if (admin != null) {
      admin.close(Duration.ZERO);
      admin = null;
    }
  }

  private static void terminate(Process p) {
    p.destroy(); // SIGTERM: Kafka's shutdown hook does a controlled shutdown
    try {
      if (p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        return;
      }
      log.warn("Kafka broker (pid {}) did not stop within {}; killing it", p.pid(), STOP_TIMEOUT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    p.destroyForcibly();
    awaitExit(p, KILL_TIMEOUT);
  }

  private static void awaitExit(Process p, Duration timeout) {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new EmbeddedKafkaException("Kafka broker (pid " + p.pid() + ") still alive " + timeout
                + " after SIGKILL");
          }
          return;
        } catch (InterruptedException e) {
          interrupted = true; // finish reaping the child, then restore the flag
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void appendMarker(String message) {
    String line = "=== " + Instant.now() + " " + message + " ===" + System.lineSeparator();
    try {
      Files.writeString(files.brokerLog(), line, StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + files.brokerLog(), e);
    }
  }

  private boolean portTakenByOthers() {
    // Called after our own child is dead, so a port that cannot be bound now is held by someone else.
    return (options.port() == 0 && !FreePorts.isFree(port))
        || (options.controllerPort() == 0 && !FreePorts.isFree(controllerPort));
  }

  private void closeQuietly(Throwable failure) {
    try {
      close();
    } catch (RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException(this + " is closed");
    }
  }

  private void ensureRunning() {
    ensureOpen();
    if (!isRunning()) {
      throw new IllegalStateException(this + " is not running");
    }
  }

  private void removeShutdownHook() {
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down; the hook is running or has run
    }
  }

  /** Runs without the lock: the thread holding it may be blocked in a startup wait while the JVM exits. */
  private void onJvmExit() {
    Process p = process;
    if (p != null && p.isAlive()) {
      terminate(p);
    }
    try {
      files.delete();
    } catch (RuntimeException e) {
      // best effort while the JVM exits
    }
  }

  /**
   * How to start the broker. Immutable and thread-safe; build with {@link #builder()}.
   *
   * <p>Ports {@code 0} mean "pick a free loopback port". A {@code null} log directory means a temporary one that
   * {@link EmbeddedKafka#close()} deletes; a given one is kept (and reused without formatting if it was formatted).
   */
  public static final class Options {
    private final int port;
    private final int controllerPort;
    private final Path logDir;
    private final String heap;
    private final int partitions;
    private final Map<String, String> brokerProperties;
    private final List<String> jvmOptions;
    private final Path javaExecutable;
    private final String classpath;
    private final Duration startupTimeout;
    private final Map<String, String> saslPlainUsers;

    private Options(Builder b) {
      this.saslPlainUsers = Collections.unmodifiableMap(new LinkedHashMap<>(b.saslPlainUsers));
      this.port = b.port;
      this.controllerPort = b.controllerPort;
      this.logDir = b.logDir;
      this.heap = b.heap;
      this.partitions = b.partitions;
      this.brokerProperties = Collections.unmodifiableMap(new LinkedHashMap<>(b.brokerProperties));
      this.jvmOptions = List.copyOf(b.jvmOptions);
      this.javaExecutable = b.javaExecutable;
      this.classpath = b.classpath;
      this.startupTimeout = b.startupTimeout;
    }

    /** Free ports, temporary log dir, {@code -Xmx512m}, 1 partition per topic, this JVM's java and classpath. */
    public static Options defaults() {
      return builder().build();
    }

    public static Builder builder() {
      return new Builder();
    }

    /** A builder starting from these values. */
    public Builder toBuilder() {
      Builder b = new Builder();
      b.port = port;
      b.controllerPort = controllerPort;
      b.logDir = logDir;
      b.heap = heap;
      b.partitions = partitions;
      b.brokerProperties.putAll(brokerProperties);
      b.jvmOptions.addAll(jvmOptions);
      b.javaExecutable = javaExecutable;
      b.classpath = classpath;
      b.startupTimeout = startupTimeout;
      b.saslPlainUsers.putAll(saslPlainUsers);
      return b;
    }

    /** The users of the SASL_PLAINTEXT (PLAIN) listener, name to password; empty: no such listener. */
    public Map<String, String> saslPlainUsers() {
      return saslPlainUsers;
    }

    /** The client (PLAINTEXT) listener port; 0 = a free port. */
    public int port() {
      return port;
    }

    /** The KRaft controller listener port; 0 = a free port. */
    public int controllerPort() {
      return controllerPort;
    }

    /** A persistent log directory, or empty for a temporary one. */
    public Optional<Path> logDir() {
      return Optional.ofNullable(logDir);
    }

    /** The maximum-heap flag of the broker JVM, e.g. {@code -Xmx512m}. */
    public String heap() {
      return heap;
    }

    /** {@code num.partitions}: the partition count of topics created without one. */
    public int partitions() {
      return partitions;
    }

    /** Extra broker properties, applied last (they override the generated ones). */
    public Map<String, String> brokerProperties() {
      return brokerProperties;
    }

    /** Extra flags for the broker JVM, after {@link #heap()}. */
    public List<String> jvmOptions() {
      return jvmOptions;
    }

    public Path javaExecutable() {
      return javaExecutable;
    }

    /** The broker JVM's classpath; it must contain {@code kafka_2.13} and its dependencies. */
    public String classpath() {
      return classpath;
    }

    /** How long formatting plus startup may take before {@link EmbeddedKafka#start(Options)} gives up. */
    public Duration startupTimeout() {
      return startupTimeout;
    }

    @Override
    public String toString() {
      return "Options[port=" + port + ", controllerPort=" + controllerPort + ", logDir=" + logDir + ", heap=" + heap
          + ", partitions=" + partitions + ", brokerProperties=" + brokerProperties + ", jvmOptions=" + jvmOptions
          + ", javaExecutable=" + javaExecutable + ", startupTimeout=" + startupTimeout + "]";
    }

    /** Builds {@link Options}; validates in {@link #build()}. Not thread-safe. */
    public static final class Builder {
      private int port;
      private int controllerPort;
      private Path logDir;
      private String heap = "-Xmx512m";
      private int partitions = 1;
      private final Map<String, String> brokerProperties = new LinkedHashMap<>();
      private final List<String> jvmOptions = new ArrayList<>();
      private Path javaExecutable = defaultJava();
      private String classpath = System.getProperty("java.class.path", "");
      private Duration startupTimeout = Duration.ofSeconds(90);
      private final Map<String, String> saslPlainUsers = new LinkedHashMap<>();

      private Builder() {}

      /**
       * Adds a user of a second client listener, {@code SASL_PLAINTEXT} with the PLAIN mechanism, on a free port
       * ({@link EmbeddedKafka#saslBootstrapServers()}); the first call creates the listener.
       */
      public Builder saslPlainUser(String user, String password) {
        if (user == null || !user.matches("[A-Za-z0-9._-]+") || password == null || password.contains("\"")) {
          throw new IllegalArgumentException("SASL user must be letters, digits, '.', '_' or '-', and the password "
              + "must not contain '\"'");
        }
        saslPlainUsers.put(user, password);
        return this;
      }

      public Builder port(int port) {
        this.port = port;
        return this;
      }

      public Builder controllerPort(int controllerPort) {
        this.controllerPort = controllerPort;
        return this;
      }

      /** A persistent log directory; {@code null} for a temporary one. */
      public Builder logDir(Path logDir) {
        this.logDir = logDir;
        return this;
      }

      public Builder heap(String heap) {
        this.heap = heap;
        return this;
      }

      public Builder partitions(int partitions) {
        this.partitions = partitions;
        return this;
      }

      public Builder brokerProperty(String key, String value) {
        brokerProperties.put(key, value);
        return this;
      }

      public Builder brokerProperties(Map<String, String> properties) {
        brokerProperties.putAll(properties);
        return this;
      }

      public Builder jvmOption(String option) {
        jvmOptions.add(option);
        return this;
      }

      public Builder javaExecutable(Path javaExecutable) {
        this.javaExecutable = javaExecutable;
        return this;
      }

      public Builder classpath(String classpath) {
        this.classpath = classpath;
        return this;
      }

      public Builder startupTimeout(Duration startupTimeout) {
        this.startupTimeout = startupTimeout;
        return this;
      }

      /** @throws IllegalArgumentException naming the offending option */
      public Options build() {
        checkPort("port", port);
        checkPort("controllerPort", controllerPort);
        if (port != 0 && port == controllerPort) {
          throw new IllegalArgumentException("port and controllerPort must differ, both are " + port);
        }
        if (heap == null || !heap.startsWith("-X")) {
          throw new IllegalArgumentException("heap must be a JVM flag such as -Xmx512m, was " + heap);
        }
        if (partitions < 1) {
          throw new IllegalArgumentException("partitions must be >= 1, was " + partitions);
        }
        brokerProperties.forEach((k, v) -> {
          if (k == null || k.isBlank() || v == null) {
            throw new IllegalArgumentException("brokerProperties must have non-blank keys and non-null values: "
                + k + "=" + v);
          }
        });
        if (jvmOptions.stream().anyMatch(o -> o == null || o.isBlank())) {
          throw new IllegalArgumentException("jvmOptions must not contain blank entries: " + jvmOptions);
        }
        Objects.requireNonNull(javaExecutable, "javaExecutable");
        if (classpath == null || classpath.isBlank()) {
          throw new IllegalArgumentException("classpath must not be blank");
        }
        if (startupTimeout == null || startupTimeout.isNegative() || startupTimeout.isZero()) {
          throw new IllegalArgumentException("startupTimeout must be positive, was " + startupTimeout);
        }
        return new Options(this);
      }

      private static void checkPort(String name, int value) {
        if (value < 0 || value > 65_535) {
          throw new IllegalArgumentException(name + " must be 0 (free port) or 1..65535, was " + value);
        }
      }

      private static Path defaultJava() {
        String exe = System.getProperty("os.name", "").startsWith("Windows") ? "java.exe" : "java";
        return Path.of(System.getProperty("java.home"), "bin", exe);
      }
    }
  }
}
