package io.qingliao.server.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A WebSocket client written by hand on a socket, plain or TLS, that reads only once told to:
 * until then the server's frames pile up in its (small) receive buffer and then in the server's
 * send buffer and outbox. Once reading, a reader thread answers ping frames (and the server's
 * close) and queues every frame; {@link #END} marks the end of the stream.
 *
 * <p>Unlike {@link RawWebSocket} it speaks TLS, checks every frame header it reads (a frame cut
 * and resumed at the wrong place shows as {@link #CORRUPT}) and reads on its own thread.
 */
public final class StallingWebSocket implements Closeable {
  public static final int TEXT = 0x1;
  public static final int BINARY = 0x2;
  public static final int CLOSE = 0x8;
  public static final int PING = 0x9;
  public static final int PONG = 0xA;
  /** Bytes that are not a frame this server sends (the payload says what); nothing is read after it. */
  public static final int CORRUPT = -2;
  /** The stream ended in the middle of a frame, or was reset (the payload says how); the last event. */
  public static final int CUT = -3;
  /** The stream ended where a frame would start; the last event. */
  public static final Frame END = new Frame(-1, true, new byte[0]);

  /** A frame from the server, or one of the pseudo-frames {@link #CORRUPT}, {@link #CUT}, {@link #END}. */
  public record Frame(int opcode, boolean fin, byte[] payload) {
    public String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }

    /** The close code of a close frame, or 1005 when it has none. */
    public int closeCode() {
      return payload.length >= 2 ? (payload[0] & 0xff) << 8 | (payload[1] & 0xff) : 1005;
    }

    @Override
    public String toString() {
      return "Frame[opcode=" + opcode + ", fin=" + fin + ", " + payload.length + " bytes: "
          + abbreviate(text()) + "]";
    }
  }

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
  private Thread reader;

  private StallingWebSocket(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  /**
   * Connects to {@code 127.0.0.1:port} (over TLS when {@code tlsOrNull} is given) with a receive
   * buffer of {@code receiveBufferBytes} (0: the system's default), and completes the handshake;
   * fails unless the server answers 101.
   */
  public static StallingWebSocket connect(int port, String pathAndQuery, SSLContext tlsOrNull, int receiveBufferBytes)
      throws IOException {
    Socket socket = tlsOrNull == null ? new Socket() : tlsOrNull.getSocketFactory().createSocket();
    try {
      if (receiveBufferBytes > 0) {
        socket.setReceiveBufferSize(receiveBufferBytes);
      }
      socket.setTcpNoDelay(true);
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      socket.setSoTimeout(10_000);
      if (socket instanceof SSLSocket ssl) {
        ssl.startHandshake();
      }
      String request = "GET " + pathAndQuery + " HTTP/1.1\r\n"
          + "Host: 127.0.0.1:" + port + "\r\n"
          + "Upgrade: websocket\r\n"
          + "Connection: Upgrade\r\n"
          + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(new byte[16]) + "\r\n"
          + "Sec-WebSocket-Version: 13\r\n"
          + "\r\n";
      socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
      socket.getOutputStream().flush();
      String status = RawWebSocket.readHead(socket.getInputStream());
      assertThat(status).as("handshake answer").startsWith("HTTP/1.1 101");
      return new StallingWebSocket(socket);
    } catch (IOException | RuntimeException | AssertionError e) {
      socket.close();
      throw e;
    }
  }

  /** One masked, final frame, as a client must send. */
  public static byte[] frame(int opcode, byte[] payload) {
    return ClientFrames.encode(0x80 | opcode, payload, true);
  }

  public void send(int opcode, byte[] payload) throws IOException {
    sendRaw(frame(opcode, payload));
  }

  public void sendJson(JsonObject json) throws IOException {
    send(TEXT, json.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** Writes bytes as they are; the reader thread's pongs and closes take the same lock. */
  public synchronized void sendRaw(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /** Before {@link #startReading}: reads frames here (answering pings) until one of {@code opcode}. */
  public Frame readUntil(int opcode) throws IOException {
    while (true) {
      Frame frame = readFrame();
      if (frame.opcode() == PING) {
        send(PONG, frame.payload());
      }
      if (frame.opcode() == opcode) {
        return frame;
      }
      assertThat(frame.opcode()).as("while waiting for opcode %d: %s", opcode, frame).isIn(TEXT, PING);
    }
  }

  /** Before {@link #startReading}: reads frames here until a JSON frame of {@code type}. */
  public JsonObject readUntilJson(String type) throws IOException {
    while (true) {
      Frame frame = readFrame();
      if (frame.opcode() == PING) {
        send(PONG, frame.payload());
      } else if (frame.opcode() == TEXT) {
        JsonObject json = JsonParser.parseString(frame.text()).getAsJsonObject();
        if (json.get("type").getAsString().equals(type)) {
          return json;
        }
      } else {
        fail("expected " + type + " but got " + frame);
      }
    }
  }

  /** Starts the reader thread: from now on frames are read as they come. */
  public void startReading(String name) throws IOException {
    socket.setSoTimeout(0); // ends when the socket does
    reader = new Thread(this::readLoop, "stalling-websocket-" + name);
    reader.setDaemon(true);
    reader.start();
  }

  /** The next frame read, {@link #END} or a {@link #CUT} once the stream has ended, or null after {@code timeout}. */
  public Frame next(Duration timeout) throws InterruptedException {
    return frames.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** The next frame read, or the end; fails after {@code timeout}. */
  public Frame awaitFrame(Duration timeout) throws InterruptedException {
    Frame frame = next(timeout);
    if (frame == null) {
      fail("no frame within " + timeout);
    }
    return frame;
  }

  /** The next JSON frame of {@code type} (skipping others); fails after {@code timeout}. */
  public JsonObject awaitJson(String type, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Frame frame = next(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
      if (frame == null || frame.opcode() < 0) {
        fail("no " + type + " within " + timeout + (frame == null ? "" : ": " + frame));
      }
      if (frame.opcode() == TEXT) {
        JsonObject json = JsonParser.parseString(frame.text()).getAsJsonObject();
        if (json.get("type").getAsString().equals(type)) {
          return json;
        }
      }
    }
  }

  private void readLoop() {
    boolean closeAnswered = false;
    try {
      while (true) {
        int b0 = in.read();
        if (b0 < 0) {
          frames.add(END);
          return;
        }
        Frame frame = readFrame(b0);
        if (frame.opcode() == PING) {
          answer(PONG, frame.payload());
        } else if (frame.opcode() == CLOSE && !closeAnswered) {
          closeAnswered = true;
          answer(CLOSE, frame.payload().length >= 2 ? Arrays.copyOf(frame.payload(), 2) : new byte[0]);
        }
        frames.add(frame);
        if (frame.opcode() == CORRUPT) {
          return;
        }
      }
    } catch (IOException e) {
      frames.add(new Frame(CUT, true, e.toString().getBytes(StandardCharsets.UTF_8)));
    }
  }

  /** Sends from the reader; the server may be gone already, which the reading side then shows. */
  private void answer(int opcode, byte[] payload) {
    try {
      send(opcode, payload);
    } catch (IOException gone) {
      // seen by the next read
    }
  }

  private Frame readFrame() throws IOException {
    return readFrame(in.readUnsignedByte());
  }

  /** A server frame: no RSV bits, unmasked, at most 1 MiB; anything else is {@link #CORRUPT}. */
  private Frame readFrame(int b0) throws IOException {
    int b1 = in.readUnsignedByte();
    long length = b1 & 0x7f;
    if (length == 126) {
      length = in.readUnsignedShort();
    } else if (length == 127) {
      length = in.readLong();
    }
    if ((b0 & 0x70) != 0 || (b1 & 0x80) != 0 || length < 0 || length > 1 << 20) {
      String what = String.format("first bytes 0x%02x 0x%02x, length %d", b0, b1, length);
      return new Frame(CORRUPT, true, what.getBytes(StandardCharsets.UTF_8));
    }
    byte[] payload = new byte[(int) length];
    in.readFully(payload);
    return new Frame(b0 & 0x0f, (b0 & 0x80) != 0, payload);
  }

  private static String abbreviate(String text) {
    return text.length() <= 300 ? text : text.substring(0, 150) + " … " + text.substring(text.length() - 150);
  }

  /** Closes the socket and waits (up to 5 s) for the reader thread to end. */
  @Override
  public void close() throws IOException {
    socket.close();
    Thread t = reader;
    if (t != null) {
      try {
        t.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
