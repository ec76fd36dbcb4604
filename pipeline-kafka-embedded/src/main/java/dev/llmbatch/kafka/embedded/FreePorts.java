package dev.llmbatch.kafka.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;

/**
 * Loopback port helpers. A port found free can be taken by someone else before the broker binds it; the launcher
 * copes with that by checking {@link #isFree} after a failed start and retrying with new ports.
 *
 * <p>Stateless, thread-safe.
 */
final class FreePorts {
  /** The broker listens on 127.0.0.1 explicitly; getLoopbackAddress() may be ::1 when IPv6 is preferred. */
  private static final InetAddress LOOPBACK = ipv4Loopback();

  private FreePorts() {}

  /** {@code count} distinct free ports; the sockets are held open together so no port is handed out twice. */
  static int[] pick(int count) {
    ServerSocket[] sockets = new ServerSocket[count];
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        sockets[i] = new ServerSocket(0, 1, LOOPBACK);
        ports[i] = sockets[i].getLocalPort();
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port on " + LOOPBACK, e);
    } finally {
      for (ServerSocket s : sockets) {
        closeQuietly(s);
      }
    }
  }

  /** Whether {@code port} can be bound on the loopback address right now. */
  static boolean isFree(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(LOOPBACK, port), 1);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Whether something accepts TCP connections on {@code port} (a refused connect returns at once). */
  static boolean accepts(int port, int timeoutMillis) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(LOOPBACK, port), timeoutMillis);
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

  private static void closeQuietly(ServerSocket s) {
    if (s == null) {
      return;
    }
    try {
      s.close();
    } catch (IOException ignored) {
      // nothing useful to do; the port is released when the process exits at the latest
    }
  }
}
