package io.qingliao.server.testing;

import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/**
 * A WebSocket client written by hand on a {@link Socket}, for what a well-behaved client library
 * will not do: send invalid UTF-8 or hand-made fragments, or complete the handshake and then
 * never read again (a slow consumer).
 */
public final class RawWebSocket implements Closeable {
  public static final int TEXT = 0x1;
  public static final int BINARY = 0x2;
  public static final int CONTINUATION = 0x0;
  public static final int CLOSE = 0x8;
  public static final int PING = 0x9;
  public static final int PONG = 0xA;

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private final String statusLine;

  /** A frame from the server. */
  public record Frame(int opcode, boolean fin, byte[] payload) {
    /** The close code of a close frame, or 1005 when it has none. */
    public int closeCode() {
      return payload.length >= 2 ? (payload[0] & 0xff) << 8 | (payload[1] & 0xff) : 1005;
    }

    public String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }
  }

  private RawWebSocket(Socket socket, String statusLine) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
    this.statusLine = statusLine;
  }

  /** Connects and completes the handshake for {@code pathAndQuery}; fails unless the server answers 101. */
  public static RawWebSocket connect(int port, String pathAndQuery) throws IOException {
    return connect(port, pathAndQuery, 0);
  }

  /**
   * Connects with a receive buffer of {@code receiveBufferBytes} (0: the system's default), which
   * a slow-consumer test keeps small so that the server's writes stall soon.
   */
  public static RawWebSocket connect(int port, String pathAndQuery, int receiveBufferBytes) throws IOException {
    Socket socket = new Socket();
    if (receiveBufferBytes > 0) {
      socket.setReceiveBufferSize(receiveBufferBytes);
    }
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    socket.setSoTimeout(5_000);
    String key = Base64.getEncoder().encodeToString(new byte[16]);
    String request = "GET " + pathAndQuery + " HTTP/1.1\r\n"
        + "Host: 127.0.0.1:" + port + "\r\n"
        + "Upgrade: websocket\r\n"
        + "Connection: Upgrade\r\n"
        + "Sec-WebSocket-Key: " + key + "\r\n"
        + "Sec-WebSocket-Version: 13\r\n"
        + "\r\n";
    socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
    String status = readHead(socket.getInputStream());
    if (!status.startsWith("HTTP/1.1 101")) {
      socket.close();
      throw new IOException("handshake refused: " + status);
    }
    return new RawWebSocket(socket, status);
  }

  public String statusLine() {
    return statusLine;
  }

  /** Sends one masked frame, as a client must. */
  public void sendFrame(int opcode, boolean fin, byte[] payload) throws IOException {
    out.write(ClientFrames.encode((fin ? 0x80 : 0) | opcode, payload, true));
    out.flush();
  }

  public void sendText(String text) throws IOException {
    sendFrame(TEXT, true, text.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Reads the next frame from the server, skipping pings: the server pings each connection
   * once it opened (and then every half idle timeout), at a moment the tests do not pin.
   */
  public Frame readFrame() throws IOException {
    while (true) {
      Frame frame = readAnyFrame();
      if (frame.opcode() != PING) {
        return frame;
      }
    }
  }

  /** Reads the next frame from the server, pings included (a test that answers them itself). */
  public Frame readAnyFrame() throws IOException {
    int b0 = in.readUnsignedByte();
    int b1 = in.readUnsignedByte();
    long length = b1 & 0x7f;
    if (length == 126) {
      length = in.readUnsignedShort();
    } else if (length == 127) {
      length = in.readLong();
    }
    byte[] payload = new byte[Math.toIntExact(length)];
    in.readFully(payload);
    return new Frame(b0 & 0x0f, (b0 & 0x80) != 0, payload);
  }

  /** Reads frames until the server's close frame and returns its code. */
  public int awaitCloseCode() throws IOException {
    while (true) {
      Frame frame = readFrame();
      if (frame.opcode() == CLOSE) {
        return frame.closeCode();
      }
    }
  }

  /**
   * Reads and discards everything until the server ends the TCP connection, and returns how long
   * that took; fails if it has not ended within {@code timeout}.
   */
  public Duration awaitEndOfStream(Duration timeout) throws IOException {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    byte[] sink = new byte[64 * 1024];
    InputStream raw = socket.getInputStream();
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("the server did not end the connection within " + timeout);
      }
      socket.setSoTimeout((int) Math.max(1, Duration.ofNanos(left).toMillis()));
      try {
        if (raw.read(sink) < 0) {
          return Duration.ofNanos(System.nanoTime() - start);
        }
      } catch (SocketTimeoutException e) {
        throw new AssertionError("the server did not end the connection within " + timeout, e);
      } catch (SocketException e) {
        return Duration.ofNanos(System.nanoTime() - start); // reset by the server
      }
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  /**
   * Sends a handshake with {@code extraHeaders} (each ending in CRLF) and returns the status
   * line of the answer, whatever it is; the socket is closed afterwards.
   */
  public static String handshakeStatus(int port, String pathAndQuery, String extraHeaders) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      socket.setSoTimeout(5_000);
      String request = "GET " + pathAndQuery + " HTTP/1.1\r\n"
          + "Host: 127.0.0.1:" + port + "\r\n"
          + "Upgrade: websocket\r\n"
          + "Connection: Upgrade\r\n"
          + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(new byte[16]) + "\r\n"
          + "Sec-WebSocket-Version: 13\r\n"
          + extraHeaders
          + "\r\n";
      socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
      return readHead(socket.getInputStream());
    }
  }

  /** Reads an HTTP response head and returns its status line (also used by StallingWebSocket). */
  static String readHead(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("connection ended during the handshake: " + head);
      }
      head.append((char) b);
    }
    return head.substring(0, head.indexOf("\r\n"));
  }
}
