package dev.llmbatch.redis.embedded;

import java.io.File;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Which Redis server {@link EmbeddedRedis} uses: {@code REDIS_URL}, else a {@code redis-server} on the {@code PATH},
 * else the binary bundled in {@code com.github.codemonstur:embedded-redis}. {@link #select} is a pure function of
 * the environment, the OS and the architecture, so that each branch can be tested in-process.
 *
 * <p>Immutable, hence thread-safe.
 */
sealed interface ServerChoice {
  String REDIS_URL = "REDIS_URL";
  String EXECUTABLE = "redis-server";
  /** Where the binaries live: Maven Central's {@code com.github.codemonstur:embedded-redis}. */
  String ARTIFACT = "com.github.codemonstur:embedded-redis:1.4.3";

  /** A server someone else runs; used as it is. */
  record External(URI uri) implements ServerChoice {}

  /** A {@code redis-server} executable found on the PATH. */
  record OnPath(Path binary) implements ServerChoice {}

  /** A class-path resource of the embedded-redis artifact, to be extracted and made executable. */
  record Bundled(String resource) implements ServerChoice {}

  /** {@code REDIS_URL} if set and not blank, else {@code redis-server} on {@code PATH}, else the bundled binary. */
  static ServerChoice select(Map<String, String> env, String osName, String osArch) {
    String url = env.get(REDIS_URL);
    if (url != null && !url.isBlank()) {
      return new External(parseRedisUrl(url.strip()));
    }
    Optional<Path> onPath = findOnPath(env.get("PATH"));
    if (onPath.isPresent()) {
      return new OnPath(onPath.get());
    }
    return bundledResource(osName, osArch)
        .<ServerChoice>map(Bundled::new)
        .orElseThrow(() -> new EmbeddedRedisException("no Redis server: REDIS_URL is not set, no " + EXECUTABLE
            + " is on the PATH, and " + ARTIFACT + " ships no binary for os.name=" + osName + ", os.arch="
            + osArch + "; install redis-server or set REDIS_URL=redis://host:6379/0"));
  }

  /** A redis:// or rediss:// URI with a host. */
  static URI parseRedisUrl(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(REDIS_URL + " is not a URI: " + e.getMessage(), e);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("redis") && !scheme.equals("rediss") || uri.getHost() == null) {
      throw new IllegalArgumentException(REDIS_URL + " must look like redis://host:6379/0, was "
          + EmbeddedRedis.redact(uri));
    }
    return uri;
  }

  /** The first executable {@code redis-server} in the PATH's directories, in order. */
  static Optional<Path> findOnPath(String path) {
    if (path == null || path.isBlank()) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isBlank()) {
        continue;
      }
      try {
        Path candidate = Path.of(dir, EXECUTABLE);
        if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
          return Optional.of(candidate.toAbsolutePath());
        }
      } catch (InvalidPathException e) {
        // a malformed PATH entry names nothing; the next one may
      }
    }
    return Optional.empty();
  }

  /**
   * The resource name of the embedded-redis binary for a platform ({@code os.name}, {@code os.arch} as the JVM
   * reports them), if the artifact ships one. Redis does not run natively on Windows; none is offered there.
   */
  static Optional<String> bundledResource(String osName, String osArch) {
    String os = osName.toLowerCase(Locale.ROOT);
    String arch = switch (osArch.toLowerCase(Locale.ROOT)) {
      case "amd64", "x86_64", "x64" -> "amd64";
      case "aarch64", "arm64" -> "arm64";
      case "x86", "i386", "i486", "i586", "i686" -> "386";
      default -> "";
    };
    if (os.startsWith("linux")) {
      return switch (arch) {
        case "amd64" -> Optional.of("redis-server-6.2.6-v5-linux-amd64");
        case "arm64" -> Optional.of("redis-server-6.2.7-linux-arm64");
        case "386" -> Optional.of("redis-server-6.2.7-linux-386");
        default -> Optional.empty();
      };
    }
    if (os.startsWith("mac") || os.contains("darwin")) {
      return switch (arch) {
        case "amd64" -> Optional.of("redis-server-6.2.6-v5-darwin-amd64");
        case "arm64" -> Optional.of("redis-server-6.2.6-v5-darwin-arm64");
        default -> Optional.empty();
      };
    }
    return Optional.empty();
  }
}
