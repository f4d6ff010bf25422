package io.qingliao.server.hardening;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.qingliao.server.testing.ClientFrames;
import java.io.ByteArrayOutputStream;
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
 * A client that writes whatever bytes a test wants: frames with any header bits, unmasked or
 * with lying lengths, or no WebSocket at all. Unlike {@code RawWebSocket} it exposes the socket's
 * streams, and it reads the server's frames until a wanted JSON type or the close.
 */
public final class HostileSocket implements Closeable {
  static final int CONTINUATION = 0x0;
  public static final int TEXT = 0x1;
  static final int BINARY = 0x2;
  public static final int CLOSE = 0x8;
  static final int PING = 0x9;

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;

  /** A frame from the server. */
  public record Frame(int opcode, byte[] payload) {
    public int closeCode() {
      return payload.length >= 2 ? (payload[0] & 0xff) << 8 | (payload[1] & 0xff) : 1005;
    }

    public String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }
  }

  private HostileSocket(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  /** A TCP connection, nothing sent yet. */
  static HostileSocket tcp(int port) throws IOException {
    return connect(new Socket(), port);
  }

  /**
   * A TCP connection with a fixed send buffer: what the client has written is then what the
   * server took, give or take that buffer and the server's receive window. (Left to itself,
   * Linux grows a loopback send buffer to 4 MiB when the peer is slow to read.)
   */
  static HostileSocket tcpWithSendBuffer(int port, int bytes) throws IOException {
    Socket socket = new Socket();
    socket.setSendBufferSize(bytes);
    return connect(socket, port);
  }

  /** A TCP connection with a small receive buffer, for a client that will never read. */
  static HostileSocket tcpWithReceiveBuffer(int port, int bytes) throws IOException {
    Socket socket = new Socket();
    socket.setReceiveBufferSize(bytes);
    return connect(socket, port);
  }

  /** Connects {@code socket} (its buffer sizes set: they must be before the connect) to the server. */
  private static HostileSocket connect(Socket socket, int port) throws IOException {
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    socket.setSoTimeout(5_000);
    return new HostileSocket(socket);
  }

  /** A completed WebSocket handshake on {@code pathAndQuery}; fails unless the answer is 101. */
  public static HostileSocket upgraded(int port, String pathAndQuery) throws IOException {
    return upgraded(tcp(port), port, pathAndQuery);
  }

  /** As {@link #upgraded(int, String)}, over a socket with a fixed send buffer (see {@link #tcpWithSendBuffer}). */
  static HostileSocket upgradedWithSendBuffer(int port, String pathAndQuery, int sendBufferBytes) throws IOException {
    return upgraded(tcpWithSendBuffer(port, sendBufferBytes), port, pathAndQuery);
  }

  private static HostileSocket upgraded(HostileSocket s, int port, String pathAndQuery) throws IOException {
    s.write(handshake(port, pathAndQuery, ""));
    String head = s.readHttpHead();
    if (!head.startsWith("HTTP/1.1 101")) {
      s.close();
      throw new IOException("handshake refused: " + head);
    }
    return s;
  }

  /** A well-formed handshake request with {@code extraHeaders} (each ending in CRLF). */
  static byte[] handshake(int port, String pathAndQuery, String extraHeaders) {
    return ("GET " + pathAndQuery + " HTTP/1.1\r\n"
        + "Host: 127.0.0.1:" + port + "\r\n"
        + "Upgrade: websocket\r\n"
        + "Connection: Upgrade\r\n"
        + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(new byte[16]) + "\r\n"
        + "Sec-WebSocket-Version: 13\r\n"
        + extraHeaders
        + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
  }

  public void write(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /** One frame: {@code firstByte} is FIN, RSV and opcode as sent; masked unless told otherwise. */
  public static byte[] frame(int firstByte, byte[] payload, boolean masked) {
    return ClientFrames.encode(firstByte, payload, masked);
  }

  /** A masked data frame. */
  static byte[] frame(int opcode, boolean fin, byte[] payload) {
    return frame((fin ? 0x80 : 0) | opcode, payload, true);
  }

  void sendFrame(int opcode, boolean fin, byte[] payload) throws IOException {
    write(frame(opcode, fin, payload));
  }

  public void sendText(String text) throws IOException {
    sendFrame(TEXT, true, text.getBytes(StandardCharsets.UTF_8));
  }

  public Frame readFrame() throws IOException {
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
    return new Frame(b0 & 0x0f, payload);
  }

  /** The next JSON text frame whose type is {@code type} (any type when null); fails on a close frame. */
  public JsonObject awaitJson(String type) throws IOException {
    while (true) {
      Frame frame = readFrame();
      if (frame.opcode() == CLOSE) {
        throw new AssertionError("expected " + type + " but the server closed with " + frame.closeCode());
      }
      if (frame.opcode() == TEXT) {
        JsonObject json = JsonParser.parseString(frame.text()).getAsJsonObject();
        if (type == null || json.get("type").getAsString().equals(type)) {
          return json;
        }
      }
    }
  }

  /** The code of the next {@code error} frame. */
  String awaitErrorCode() throws IOException {
    return awaitJson("error").get("code").getAsString();
  }

  /** Reads until the server's close frame and returns its code. */
  int awaitCloseCode() throws IOException {
    while (true) {
      Frame frame = readFrame();
      if (frame.opcode() == CLOSE) {
        return frame.closeCode();
      }
    }
  }

  /** Sends a ping request and waits for its pong: the connection is alive and in step. */
  public void assertAlive(String cid) throws IOException {
    sendText("{\"type\":\"ping\",\"cid\":\"" + cid + "\"}");
    JsonObject pong = awaitJson("pong");
    if (!cid.equals(pong.get("cid").getAsString())) {
      throw new AssertionError("pong for " + pong + ", expected cid " + cid);
    }
  }

  /** Reads the head of an HTTP answer and returns it (status line first); fails at end of stream. */
  String readHttpHead() throws IOException {
    StringBuilder head = new StringBuilder();
    while (head.indexOf("\r\n\r\n") < 0) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("connection ended during the HTTP answer: " + head);
      }
      head.append((char) b);
    }
    return head.toString();
  }

  /**
   * Reads and discards until the server ends the connection (a FIN or a reset), and returns how
   * long that took; fails if it is still open after {@code timeout}.
   */
  Duration awaitEndOfStream(Duration timeout) throws IOException {
    return readUntilEnd(timeout, true);
  }

  /**
   * Reads and discards until the server's FIN; fails if the server resets the connection instead,
   * or has not ended it within {@code timeout}.
   */
  void awaitOrderlyEnd(Duration timeout) throws IOException {
    readUntilEnd(timeout, false);
  }

  private Duration readUntilEnd(Duration timeout, boolean resetIsAnEnd) throws IOException {
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
        if (!resetIsAnEnd) {
          throw new AssertionError("the server reset the connection instead of ending it", e);
        }
        return Duration.ofNanos(System.nanoTime() - start);
      }
    }
  }

  /** Everything the server sends until it ends the connection (at most {@code timeout}). */
  String readAllUntilEnd(Duration timeout) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    long deadline = System.nanoTime() + timeout.toNanos();
    byte[] buffer = new byte[8192];
    InputStream raw = socket.getInputStream();
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("the server did not end the connection within " + timeout + "; got: " + all);
      }
      socket.setSoTimeout((int) Math.max(1, Duration.ofNanos(left).toMillis()));
      int n;
      try {
        n = raw.read(buffer);
      } catch (SocketTimeoutException e) {
        throw new AssertionError("the server did not end the connection within " + timeout + "; got: " + all, e);
      } catch (SocketException e) {
        return all.toString(StandardCharsets.ISO_8859_1);
      }
      if (n < 0) {
        return all.toString(StandardCharsets.ISO_8859_1);
      }
      all.write(buffer, 0, n);
    }
  }

  /** What one {@link #readFor} got: text (ISO-8859-1) and whether the server ended the stream. */
  record Chunk(String text, boolean ended) {}

  /** Reads what arrives within {@code time}; notes whether the server ended the connection. */
  Chunk readFor(Duration time) throws IOException {
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    long deadline = System.nanoTime() + time.toNanos();
    byte[] buffer = new byte[8192];
    InputStream raw = socket.getInputStream();
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return new Chunk(got.toString(StandardCharsets.ISO_8859_1), false);
      }
      socket.setSoTimeout((int) Math.max(1, Duration.ofNanos(left).toMillis()));
      try {
        int n = raw.read(buffer);
        if (n < 0) {
          return new Chunk(got.toString(StandardCharsets.ISO_8859_1), true);
        }
        got.write(buffer, 0, n);
      } catch (SocketTimeoutException e) {
        return new Chunk(got.toString(StandardCharsets.ISO_8859_1), false);
      } catch (SocketException e) {
        return new Chunk(got.toString(StandardCharsets.ISO_8859_1), true);
      }
    }
  }

  /** Bytes that can be read now without blocking. */
  public int available() throws IOException {
    return in.available();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
