package dev.llmbatch.kafka.embedded;

import java.util.concurrent.CountDownLatch;

/**
 * Parent JVM for the orphan test: starts a broker, reports its pid and work dir on stdout, then blocks until it is
 * killed.
 */
final class OrphanParent {
  private OrphanParent() {}

  public static void main(String[] args) throws InterruptedException {
    try {
      EmbeddedKafka kafka = EmbeddedKafka.start();
      System.out.println("broker " + kafka.processHandle().orElseThrow().pid() + " " + kafka.brokerLog().getParent());
    } catch (RuntimeException e) {
      System.out.println("failed " + e);
      return;
    }
    System.out.flush();
    new CountDownLatch(1).await();
  }
}
