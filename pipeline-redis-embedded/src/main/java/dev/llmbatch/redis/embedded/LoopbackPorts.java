package dev.llmbatch.redis.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;

/**
 * Ports on 127.0.0.1 (not {@code getLoopbackAddress()}, which may be ::1). A port found free can be taken before
 * redis-server binds it; {@link EmbeddedRedis} notices that with {@link #isFree} and retries with another port.
 *
 * <p>Stateless, thread-safe.
 */
final class LoopbackPorts {
  static final InetAddress IPV4_LOOPBACK = ipv4Loopback();

  private LoopbackPorts() {}

  static int pickFree() {
    try (ServerSocket socket = new ServerSocket(0, 1, IPV4_LOOPBACK)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port on " + IPV4_LOOPBACK, e);
    }
  }

  static boolean isFree(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true); // as redis-server does, so a socket in TIME_WAIT does not count as taken
      socket.bind(new InetSocketAddress(IPV4_LOOPBACK, port), 1);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static InetAddress ipv4Loopback() {
    try {
      return InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
    } catch (UnknownHostException e) {
      throw new AssertionError("a 4-byte address is always valid", e);
    }
  }
}
