package dev.llmbatch.kafka.embedded;

import java.io.IOException;
import java.io.InputStream;

/**
 * Main class of the broker child JVM: runs {@code kafka.Kafka} and exits when the parent JVM goes away.
 *
 * <p>The parent keeps the write end of this process's stdin open for as long as it lives and never writes to it.
 * When the parent exits for any reason, including {@code kill -9} (where its shutdown hooks never run), the kernel
 * closes that pipe, {@code System.in} reports end of stream, and this process shuts the broker down (gracefully,
 * with a bounded grace period). That is what makes orphan brokers impossible, which a shutdown hook alone cannot.
 */
final class BrokerMain {
  /** How long Kafka's own shutdown hook may take after the parent has gone before the JVM is halted. */
  private static final long ORPHAN_GRACE_MILLIS = 15_000;

  private BrokerMain() {}

  public static void main(String[] args) {
    Thread watchdog = new Thread(BrokerMain::exitWhenParentGoes, "embedded-kafka-parent-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    kafka.Kafka.main(args);
  }

  private static void exitWhenParentGoes() {
    byte[] ignored = new byte[64];
    try (InputStream in = System.in) {
      while (in.read(ignored) >= 0) {
        // The parent never writes; a read only returns once the pipe is closed.
      }
    } catch (IOException e) {
      // A broken pipe means the same thing as end of stream: the parent is gone.
    }
    // System.exit runs Kafka's shutdown hook (controlled shutdown, log flush); it blocks the calling thread for good,
    // so it gets its own thread and this daemon thread bounds how long that may take.
    Thread exiter = new Thread(() -> System.exit(0), "embedded-kafka-orphan-exit");
    exiter.start();
    try {
      exiter.join(ORPHAN_GRACE_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Runtime.getRuntime().halt(1);
  }
}
