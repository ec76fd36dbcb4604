package dev.llmbatch.redis.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The private temporary directory of one owned redis-server: its working directory ({@code --dir}), its log
 * (stdout and stderr, appended across restarts), the extracted bundled binary if one is used, and two identity files
 * (this JVM; the server process) that let a later start clean up after a JVM that died by SIGKILL.
 *
 * <p>Not thread-safe; {@link EmbeddedRedis} confines it behind its own lock (the shutdown hook only deletes).
 */
final class ServerFiles {
  private static final String PREFIX = "embedded-redis-";
  private static final String OWNER_FILE = "owner.pid";
  private static final String SERVER_FILE = "server.pid";
  private static final int TAIL_BYTES = 8 * 1024;
  private static final int TAIL_LINES = 30;

  private final Path dir;

  private ServerFiles(Path dir) {
    this.dir = dir;
  }

  static ServerFiles create() {
    try {
      Path dir = Files.createTempDirectory(PREFIX);
      Files.writeString(dir.resolve(OWNER_FILE), identity(ProcessHandle.current()));
      sweepOrphans(dir.getParent(), dir);
      return new ServerFiles(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory for redis-server", e);
    }
  }

  Path dir() {
    return dir;
  }

  Path log() {
    return dir.resolve("redis.log");
  }

  /** Copies a class-path resource of the embedded-redis artifact here and makes it executable ({@code chmod +x}). */
  Path extract(String resource) {
    Path target = dir.resolve(ServerChoice.EXECUTABLE);
    try (InputStream in = ServerFiles.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new EmbeddedRedisException("resource " + resource + " is not on the class path; is "
            + ServerChoice.ARTIFACT + " a dependency?");
      }
      Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot extract " + resource + " to " + target, e);
    }
    if (!target.toFile().setExecutable(true, true)) {
      throw new EmbeddedRedisException("cannot make " + target + " executable");
    }
    return target;
  }

  void appendToLog(String line) {
    try {
      Files.writeString(log(), "# " + line + System.lineSeparator(), StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + log(), e);
    }
  }

  /** Records the server process so that a later start can kill it if this JVM dies without its shutdown hook. */
  void recordServer(ProcessHandle server) {
    try {
      Files.writeString(dir.resolve(SERVER_FILE), identity(server));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + dir.resolve(SERVER_FILE), e);
    }
  }

  /** The last lines of the log, or a note saying why there are none; never throws. */
  String logTail() {
    Path file = log();
    try (SeekableByteChannel channel = Files.newByteChannel(file, StandardOpenOption.READ)) {
      long from = Math.max(0, channel.size() - TAIL_BYTES);
      ByteBuffer buffer = ByteBuffer.allocate((int) (channel.size() - from));
      channel.position(from);
      while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
        // until full or at the end
      }
      List<String> lines = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8).lines().toList();
      List<String> last = lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size());
      return last.isEmpty() ? "(" + file + " is empty)" : String.join("\n", last);
    } catch (NoSuchFileException e) {
      return "(" + file + " does not exist)";
    } catch (IOException e) {
      return "(cannot read " + file + ": " + e + ")";
    }
  }

  /** Deletes the directory; never throws, because it also runs from the shutdown hook. */
  void delete() {
    deleteQuietly(dir);
  }

  /** "pid startInstant": a pid alone can be reused by an unrelated process. */
  private static String identity(ProcessHandle process) {
    return process.pid() + " " + process.info().startInstant().map(Object::toString).orElse("?");
  }

  /** The live process a file names, if it is still the same process (same start instant, when known). */
  private static Optional<ProcessHandle> liveProcess(Path identityFile) throws IOException {
    String[] parts = Files.readString(identityFile).trim().split(" ");
    Optional<ProcessHandle> handle = ProcessHandle.of(Long.parseLong(parts[0])).filter(ProcessHandle::isAlive);
    return handle.filter(h -> "?".equals(parts[1])
        || h.info().startInstant().map(Object::toString).map(parts[1]::equals).orElse(true));
  }

  /**
   * Kills redis-servers left running by JVMs that died by SIGKILL (their shutdown hooks never ran) and deletes their
   * directories. Only directories with an owner file whose JVM is gone are touched; any doubt leaves one alone.
   */
  private static void sweepOrphans(Path tempRoot, Path current) {
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(tempRoot, PREFIX + "*")) {
      for (Path dir : dirs) {
        if (dir.equals(current) || !Files.isRegularFile(dir.resolve(OWNER_FILE))) {
          continue;
        }
        try {
          if (liveProcess(dir.resolve(OWNER_FILE)).isPresent()) {
            continue;
          }
          Path server = dir.resolve(SERVER_FILE);
          if (Files.exists(server)) {
            liveProcess(server).ifPresent(ProcessHandle::destroyForcibly);
          }
          deleteQuietly(dir);
        } catch (IOException | RuntimeException e) {
          // another JVM may be writing or sweeping it right now; leave it
        }
      }
    } catch (IOException e) {
      // housekeeping only: never fail a start because of it
    }
  }

  private static void deleteQuietly(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          // a file that cannot be deleted stays in the temp dir; the OS cleans that up
        }
      });
    } catch (IOException | UncheckedIOException e) {
      // gone already, or vanishing while close() and the shutdown hook race at JVM exit
    }
  }
}
