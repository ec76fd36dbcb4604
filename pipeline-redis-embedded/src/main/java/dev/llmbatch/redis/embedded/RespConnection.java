package dev.llmbatch.redis.embedded;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal RESP2 connection to a Redis server on 127.0.0.1, enough to probe readiness and shut a server down
 * without a client library. Replies map to {@link String} (simple and bulk strings; {@code null} for nil),
 * {@link Long}, {@link List} and {@link ErrorReply}.
 *
 * <p>Not thread-safe: one caller at a time.
 */
final class RespConnection implements AutoCloseable {
  private final Socket socket;
  private final OutputStream out;
  private final InputStream in;

  private RespConnection(Socket socket) throws IOException {
    this.socket = socket;
    this.out = socket.getOutputStream();
    this.in = new BufferedInputStream(socket.getInputStream());
  }

  /** Connects within {@code timeout}; every later read also gives up after {@code timeout}. */
  static RespConnection open(int port, Duration timeout) throws IOException {
    int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    Socket socket = new Socket();
    try {
      socket.connect(new InetSocketAddress(LoopbackPorts.IPV4_LOOPBACK, port), millis);
      socket.setSoTimeout(millis);
      socket.setTcpNoDelay(true);
      return new RespConnection(socket);
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  /** A {@code -ERR ...} reply; a value, not an exception, because callers decide what an error means to them. */
  record ErrorReply(String message) {}

  /** Sends one command and reads its reply. */
  Object call(String... args) throws IOException {
    send(args);
    return read();
  }

  /** Sends one command without reading a reply (SHUTDOWN closes the connection instead of answering). */
  void send(String... args) throws IOException {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    buffer.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
    for (String arg : args) {
      byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
      buffer.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
      buffer.writeBytes(bytes);
      buffer.writeBytes(CRLF);
    }
    buffer.writeTo(out);
    out.flush();
  }

  private static final byte[] CRLF = {'\r', '\n'};

  private Object read() throws IOException {
    int type = in.read();
    if (type < 0) {
      throw new EOFException("connection closed by the server");
    }
    String line = readLine();
    switch (type) {
      case '+':
        return line;
      case '-':
        return new ErrorReply(line);
      case ':':
        return Long.parseLong(line);
      case '$': {
        int length = Integer.parseInt(line);
        if (length < 0) {
          return null;
        }
        byte[] bytes = in.readNBytes(length);
        if (bytes.length < length || in.read() != '\r' || in.read() != '\n') {
          throw new EOFException("bulk string cut short");
        }
        return new String(bytes, StandardCharsets.UTF_8);
      }
      case '*': {
        int count = Integer.parseInt(line);
        if (count < 0) {
          return null;
        }
        List<Object> items = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          items.add(read());
        }
        return items;
      }
      default:
        throw new ProtocolException("not a RESP reply type: '" + (char) type + "'");
    }
  }

  private String readLine() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int previous = -1;
    for (int b = in.read(); b >= 0; b = in.read()) {
      if (previous == '\r' && b == '\n') {
        byte[] bytes = line.toByteArray();
        return new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
      }
      line.write(b);
      previous = b;
    }
    throw new EOFException("connection closed in the middle of a reply");
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
