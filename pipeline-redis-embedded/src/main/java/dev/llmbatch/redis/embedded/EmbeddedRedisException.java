package dev.llmbatch.redis.embedded;

/**
 * No Redis server could be found, started, or brought back. When an owned {@code redis-server} process was involved,
 * the message ends with the tail of its log, so that a failing test shows why without digging for files.
 *
 * <p>Immutable, hence thread-safe.
 */
public final class EmbeddedRedisException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  EmbeddedRedisException(String message) {
    super(message);
  }

  EmbeddedRedisException(String message, Throwable cause) {
    super(message, cause);
  }
}
