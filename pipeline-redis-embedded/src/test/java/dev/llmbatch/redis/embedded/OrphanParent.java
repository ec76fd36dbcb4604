package dev.llmbatch.redis.embedded;

import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Parent JVM for the orphan tests: starts a redis-server, prints "server PID DIR" once it answers, then either exits
 * normally ({@code exit}: the shutdown hook must kill the server) or blocks until it is killed ({@code block}).
 */
final class OrphanParent {
  private OrphanParent() {}

  public static void main(String[] args) throws InterruptedException {
    EmbeddedRedis redis;
    try {
      redis = EmbeddedRedis.start(Map.of("PATH", System.getenv().getOrDefault("PATH", "")));
    } catch (RuntimeException e) {
      System.out.println("failed " + e);
      return;
    }
    System.out.println("server " + redis.processHandle().orElseThrow().pid() + " "
        + redis.logFile().orElseThrow().getParent());
    System.out.flush();
    if ("exit".equals(args[0])) {
      System.exit(0);
    }
    new CountDownLatch(1).await();
  }
}
