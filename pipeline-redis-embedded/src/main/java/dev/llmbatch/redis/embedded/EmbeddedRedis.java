package dev.llmbatch.redis.embedded;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Redis server for integration tests and {@code bin/pipeline local}: the shared quota store of several
 * workers. Never a mock.
 *
 * <p>{@link #start()} uses, in this order: the server named by the {@code REDIS_URL} environment variable (used as it
 * is; this instance does not own it, so {@link #stop()}, {@link #kill()} and {@link #restart()} throw
 * {@link IllegalStateException}); else a {@code redis-server} on the {@code PATH}; else the binary that the Maven
 * artifact {@code com.github.codemonstur:embedded-redis} ships for this OS and architecture, extracted to a temporary
 * directory. It logs which one it used; {@link #source()} says so too.
 *
 * <p>An owned server runs as its own process, bound to 127.0.0.1 on a free port, without persistence
 * ({@code --save "" --appendonly no}), with its own temporary directory and log file; {@code start} returns once it
 * answers {@code PING}. Crash testing: {@link #kill()} is {@code SIGKILL}; {@link #restart()} brings it back on the
 * same port (empty: nothing is persisted), so clients configured with {@link #uri()} can reconnect.
 *
 * <p>No orphans: a JVM shutdown hook kills an owned server when this JVM exits normally or on SIGTERM/SIGINT, and a
 * later start kills servers whose JVM died by SIGKILL.
 *
 * <p>Thread-safe: lifecycle methods are serialized on this instance; {@link #uri()}, {@link #port()} and
 * {@link #source()} never block. Lifecycle methods block the calling thread (up to the startup or stop timeout), so
 * never call them from an event loop.
 */
public final class EmbeddedRedis implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedRedis.class);

  static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration PROBE_TIMEOUT = Duration.ofMillis(500);
  private static final long POLL_INTERVAL_MILLIS = 20;
  private static final int START_ATTEMPTS = 3;
  private static final int DEFAULT_PORT = 6379;

  /** Where the server came from. */
  public enum Source {
    /** The {@code REDIS_URL} environment variable: an external server, not owned by this instance. */
    REDIS_URL,
    /** A {@code redis-server} executable found on the {@code PATH}. */
    PATH,
    /** The binary shipped in {@code com.github.codemonstur:embedded-redis}. */
    BUNDLED
  }

  private final Source source;
  private final URI uri;
  private final int port;
  private final Duration startupTimeout;
  /** Null for a REDIS_URL server, as are the two fields below. */
  private final ServerFiles files;
  private final Path binary;
  private final Thread shutdownHook;

  /** Written under the lock, read lock-free by the shutdown hook. */
  private volatile Process process;
  private boolean closed; // guarded by this

  private EmbeddedRedis(URI external, Duration startupTimeout) {
    this.source = Source.REDIS_URL;
    this.uri = external;
    this.port = external.getPort() == -1 ? DEFAULT_PORT : external.getPort();
    this.startupTimeout = startupTimeout;
    this.files = null;
    this.binary = null;
    this.shutdownHook = null;
  }

  private EmbeddedRedis(Source source, ServerFiles files, Path binary, int port, Duration startupTimeout) {
    this.source = source;
    this.files = files;
    this.binary = binary;
    this.port = port;
    this.uri = URI.create("redis://127.0.0.1:" + port + "/0");
    this.startupTimeout = startupTimeout;
    this.shutdownHook = new Thread(this::onJvmExit, "embedded-redis-shutdown-" + port);
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** As {@code builder().start()}: reads {@code REDIS_URL} and {@code PATH} from this process's environment. */
  public static EmbeddedRedis start() {
    return builder().start();
  }

  /**
   * As {@link #start()} with {@code env} standing in for the process environment ({@code REDIS_URL}, {@code PATH}),
   * since a JVM cannot change its own environment; for tests of the selection and for launchers.
   */
  public static EmbeddedRedis start(Map<String, String> env) {
    return builder().environment(env).start();
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * {@code redis://127.0.0.1:PORT/0} for an owned server (the same across {@link #restart()}); the {@code REDIS_URL}
   * as given for an external one (it may hold a password: do not log it, see {@link #toString()}).
   */
  public URI uri() {
    return uri;
  }

  /** The server's port ({@code 6379} for a {@code REDIS_URL} without one). */
  public int port() {
    return port;
  }

  /** Which server this is: {@code REDIS_URL}, a {@code redis-server} on the {@code PATH}, or the bundled one. */
  public Source source() {
    return source;
  }

  /** Whether this instance started the server and so can stop, kill and restart it. */
  public boolean ownsProcess() {
    return source != Source.REDIS_URL;
  }

  /** The owned server's log file (stdout and stderr, appended across restarts); empty for {@code REDIS_URL}. */
  public Optional<Path> logFile() {
    return files == null ? Optional.empty() : Optional.of(files.log());
  }

  /**
   * Stops the owned server: {@code SHUTDOWN NOSAVE}, then SIGTERM and SIGKILL if it is still alive after 10 s.
   * Does nothing if it is not running.
   *
   * @throws IllegalStateException for a {@code REDIS_URL} server
   */
  public synchronized void stop() {
    ensureOwned("stop");
    Process p = process;
    if (p == null || !p.isAlive()) {
      return;
    }
    try (RespConnection connection = RespConnection.open(port, PROBE_TIMEOUT)) {
      connection.send("SHUTDOWN", "NOSAVE");
    } catch (IOException e) {
      log.debug("SHUTDOWN NOSAVE to redis-server at port {} failed ({}); using signals", port, e.toString());
    }
    if (awaitExit(p, STOP_TIMEOUT)) {
      return;
    }
    log.warn("redis-server (pid {}) did not shut down within {}; terminating it", p.pid(), STOP_TIMEOUT);
    p.destroy();
    if (!awaitExit(p, STOP_TIMEOUT)) {
      kill();
    }
  }

  /**
   * Kills the owned server with SIGKILL and waits until the process is gone: a crash.
   *
   * @throws IllegalStateException for a {@code REDIS_URL} server
   */
  public synchronized void kill() {
    ensureOwned("kill");
    Process p = process;
    if (p == null || !p.isAlive()) {
      return;
    }
    p.destroyForcibly();
    if (!awaitExit(p, STOP_TIMEOUT)) {
      throw new EmbeddedRedisException("redis-server (pid " + p.pid() + ") survived SIGKILL for " + STOP_TIMEOUT);
    }
  }

  /**
   * Starts the owned server again on the same port (stopping it first if it runs) and waits until it answers PING.
   * It starts empty: nothing is persisted.
   *
   * @throws IllegalStateException for a {@code REDIS_URL} server, or after {@link #close()}
   * @throws EmbeddedRedisException if it does not answer within the startup timeout (say, another process took the
   *     port meanwhile); the message holds the log tail
   */
  public synchronized void restart() {
    ensureOwned("restart");
    ensureOpen();
    stop();
    long begin = System.nanoTime();
    launch();
    log.info("Redis restarted at {} in {} ms", uri, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin));
  }

  /** Stops an owned server (as {@link #stop()}) and deletes its directory; nothing for {@code REDIS_URL}. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (!ownsProcess()) {
      return;
    }
    try {
      stop();
    } finally {
      files.delete();
      removeShutdownHook();
    }
  }

  /** Names the server without credentials. */
  @Override
  public String toString() {
    Process p = process;
    String state = !ownsProcess() ? "external" : p != null && p.isAlive() ? "running" : "stopped";
    return "EmbeddedRedis[" + redact(uri) + ", " + source + ", " + state + "]";
  }

  /** The owned server process, for tests that check it is really gone. */
  Optional<ProcessHandle> processHandle() {
    Process p = process;
    return p == null ? Optional.empty() : Optional.of(p.toHandle());
  }

  /** {@code uri} without its user-info (a REDIS_URL may carry a password). */
  static String redact(URI uri) {
    if (uri.getRawUserInfo() == null) {
      return uri.toString();
    }
    try {
      return new URI(uri.getScheme(), "***", uri.getHost(), uri.getPort(), uri.getPath(), null, null).toString();
    } catch (URISyntaxException e) {
      return uri.getScheme() + "://***@" + uri.getHost();
    }
  }

  private static EmbeddedRedis start(ServerChoice choice, Duration startupTimeout) {
    if (choice instanceof ServerChoice.External external) {
      EmbeddedRedis redis = new EmbeddedRedis(external.uri(), startupTimeout);
      log.info("Redis: using REDIS_URL {} (an external server: not started, stopped or restarted here)",
          redact(external.uri()));
      return redis;
    }
    for (int attempt = 1; ; attempt++) {
      ServerFiles files = ServerFiles.create();
      EmbeddedRedis redis;
      try {
        redis = choice instanceof ServerChoice.OnPath onPath
            ? new EmbeddedRedis(Source.PATH, files, onPath.binary(), LoopbackPorts.pickFree(), startupTimeout)
            : new EmbeddedRedis(Source.BUNDLED, files, files.extract(((ServerChoice.Bundled) choice).resource()),
                LoopbackPorts.pickFree(), startupTimeout);
      } catch (RuntimeException e) {
        files.delete();
        throw e;
      }
      long begin = System.nanoTime();
      try {
        redis.launch();
        log.info("Redis: started {} redis-server {} at {} in {} ms (pid {}, log {})", redis.source, redis.binary,
            redis.uri, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin), redis.process.pid(),
            files.log());
        return redis;
      } catch (RuntimeException e) {
        // A port found free may have been taken before redis-server bound it; that alone is worth another try.
        boolean lostPortRace = attempt < START_ATTEMPTS && !LoopbackPorts.isFree(redis.port);
        redis.close();
        if (!lostPortRace) {
          throw e;
        }
        log.warn("Port {} was taken by another process while redis-server started; retrying on another port",
            redis.port);
      }
    }
  }

  private synchronized void launch() {
    ensureOpen();
    List<String> command = List.of(binary.toString(),
        "--port", Integer.toString(port),
        "--bind", "127.0.0.1",
        "--save", "",
        "--appendonly", "no",
        "--dir", files.dir().toString(),
        "--daemonize", "no",
        "--logfile", "");
    files.appendToLog("starting " + String.join(" ", command));
    Process p;
    try {
      p = new ProcessBuilder(command)
          .directory(files.dir().toFile())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(files.log().toFile()))
          .start();
    } catch (IOException e) {
      throw new EmbeddedRedisException("cannot run " + binary, e);
    }
    process = p;
    try {
      files.recordServer(p.toHandle());
      awaitReady(p, System.nanoTime() + startupTimeout.toNanos());
    } catch (RuntimeException e) {
      p.destroyForcibly();
      awaitExit(p, STOP_TIMEOUT);
      throw e;
    }
  }

  /**
   * Polls with PING until the server answers PONG. Nothing signals "listening", so this is a bounded poll; the pause
   * between probes is {@link Process#waitFor(long, TimeUnit)} on the server itself (no {@code Thread.sleep}), which
   * also ends the wait at once if the server exits.
   */
  private void awaitReady(Process p, long deadline) {
    Object lastReply = null;
    try {
      while (true) {
        try (RespConnection connection = RespConnection.open(port, PROBE_TIMEOUT)) {
          lastReply = connection.call("PING");
          if ("PONG".equals(lastReply)) {
            return;
          }
        } catch (IOException e) {
          lastReply = e; // not listening yet: connection refused
        }
        if (p.waitFor(POLL_INTERVAL_MILLIS, TimeUnit.MILLISECONDS)) {
          throw new EmbeddedRedisException("redis-server " + binary + " exited with code " + p.exitValue()
              + " during startup on port " + port + "; tail of " + files.log() + ":\n" + files.logTail());
        }
        if (System.nanoTime() - deadline >= 0) {
          throw new EmbeddedRedisException("redis-server " + binary + " did not answer PING on port " + port
              + " within " + startupTimeout.toMillis() + " ms (last: " + lastReply + "); tail of " + files.log()
              + ":\n" + files.logTail());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EmbeddedRedisException("interrupted while waiting for redis-server on port " + port, e);
    }
  }

  /** Whether {@code p} exited within {@code timeout}; keeps the interrupt flag. */
  private static boolean awaitExit(Process p, Duration timeout) {
    try {
      return p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !p.isAlive();
    }
  }

  private void ensureOwned(String operation) {
    if (!ownsProcess()) {
      throw new IllegalStateException("cannot " + operation + " the Redis server at " + redact(uri)
          + ": it comes from REDIS_URL and was not started by this EmbeddedRedis; unset REDIS_URL to let the"
          + " fixture run its own redis-server");
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException(this + " is closed");
    }
  }

  /** Lock-free: another thread may hold the lock while the JVM exits. SIGKILL, because nothing is persisted. */
  private void onJvmExit() {
    Process p = process;
    if (p != null) {
      p.destroyForcibly();
      awaitExit(p, STOP_TIMEOUT);
    }
    files.delete();
  }

  private void removeShutdownHook() {
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down; the hook runs anyway and finds nothing left to do
    }
  }

  /**
   * Options of {@link EmbeddedRedis#start()}. Not thread-safe; {@link #start()} copies what it needs.
   */
  public static final class Builder {
    private Map<String, String> environment = System.getenv();
    private Duration startupTimeout = DEFAULT_STARTUP_TIMEOUT;

    private Builder() {}

    /** Stands in for the process environment ({@code REDIS_URL}, {@code PATH}); defaults to {@link System#getenv()}. */
    public Builder environment(Map<String, String> environment) {
      this.environment = Map.copyOf(Objects.requireNonNull(environment, "environment"));
      return this;
    }

    /** How long an owned server may take to answer PING; 20 s by default. */
    public Builder startupTimeout(Duration startupTimeout) {
      if (startupTimeout == null || startupTimeout.isNegative() || startupTimeout.isZero()) {
        throw new IllegalArgumentException("startupTimeout must be positive, was " + startupTimeout);
      }
      this.startupTimeout = startupTimeout;
      return this;
    }

    /**
     * Finds and, unless {@code REDIS_URL} names one, starts a server.
     *
     * @throws IllegalArgumentException if {@code REDIS_URL} is set but is not a redis:// or rediss:// URI
     * @throws EmbeddedRedisException if no server can be found or the one found does not answer PING in time
     */
    public EmbeddedRedis start() {
      ServerChoice choice = ServerChoice.select(environment, System.getProperty("os.name", ""),
          System.getProperty("os.arch", ""));
      return EmbeddedRedis.start(choice, startupTimeout);
    }
  }
}
