package dev.llmbatch.kafka.embedded;

/**
 * The embedded broker could not be formatted, started, restarted or stopped. When the broker process was involved,
 * the message ends with the tail of its log, so that a failing test shows why without digging for files.
 *
 * <p>Immutable, hence thread-safe.
 */
public final class EmbeddedKafkaException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  EmbeddedKafkaException(String message) {
    super(message);
  }

  EmbeddedKafkaException(String message, Throwable cause) {
    super(message, cause);
  }
}
