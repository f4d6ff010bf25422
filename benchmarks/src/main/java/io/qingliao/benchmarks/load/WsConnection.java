package io.qingliao.benchmarks.load;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One client WebSocket (RFC 6455) over a non-blocking socket, owned by one {@link WsLoop}: every
 * method but {@link #send} must run on that loop's thread. It keeps only a few fields and, while
 * a frame is split across reads, the bytes of that frame: idle connections cost a few hundred bytes.
 */
final class WsConnection {
  static final int CONNECTING = 0;
  static final int HANDSHAKE = 1;
  static final int OPEN = 2;
  static final int CLOSED = 3;

  final int id;
  final WsLoop loop;
  final String requestPath;
  final String hostHeader;
  /** Scenario data, set before connecting. */
  int room;
  boolean sender;
  int inFlight;
  BitSet seen;

  SocketChannel channel;
  SelectionKey key;
  int state = CONNECTING;
  boolean gotFirstText;
  long openedAt;
  private byte[] pending;
  private int pendingLen;
  private ArrayDeque<ByteBuffer> out;
  private byte[] fragments;
  private int fragmentsLen;

  WsConnection(int id, WsLoop loop, String requestPath, String hostHeader) {
    this.id = id;
    this.loop = loop;
    this.requestPath = requestPath;
    this.hostHeader = hostHeader;
  }

  boolean isOpen() {
    return state == OPEN;
  }

  /** Sends a text frame; from any thread (hands over to the loop when called elsewhere). */
  void send(byte[] utf8) {
    if (Thread.currentThread() == loop.thread()) {
      writeFrame(0x1, utf8);
    } else {
      loop.execute(() -> writeFrame(0x1, utf8));
    }
  }

  void writeFrame(int opcode, byte[] payload) {
    if (state != OPEN) {
      return;
    }
    int len = payload.length;
    int header = len < 126 ? 2 : len < 65_536 ? 4 : 10;
    byte[] frame = new byte[header + 4 + len];
    frame[0] = (byte) (0x80 | opcode);
    if (len < 126) {
      frame[1] = (byte) (0x80 | len);
    } else if (len < 65_536) {
      frame[1] = (byte) (0x80 | 126);
      frame[2] = (byte) (len >>> 8);
      frame[3] = (byte) len;
    } else {
      frame[1] = (byte) (0x80 | 127);
      for (int i = 0; i < 8; i++) {
        frame[2 + i] = (byte) ((long) len >>> (56 - 8 * i));
      }
    }
    int mask = ThreadLocalRandom.current().nextInt();
    byte m0 = (byte) (mask >>> 24);
    byte m1 = (byte) (mask >>> 16);
    byte m2 = (byte) (mask >>> 8);
    byte m3 = (byte) mask;
    frame[header] = m0;
    frame[header + 1] = m1;
    frame[header + 2] = m2;
    frame[header + 3] = m3;
    int p = header + 4;
    for (int i = 0; i < len; i++) {
      byte m = switch (i & 3) {
        case 0 -> m0;
        case 1 -> m1;
        case 2 -> m2;
        default -> m3;
      };
      frame[p + i] = (byte) (payload[i] ^ m);
    }
    writeRaw(ByteBuffer.wrap(frame));
  }

  void writeRaw(ByteBuffer buf) {
    if (state == CLOSED) {
      return;
    }
    try {
      if (out == null || out.isEmpty()) {
        channel.write(buf);
        if (!buf.hasRemaining()) {
          return;
        }
        if (out == null) {
          out = new ArrayDeque<>(4);
        }
        out.add(buf);
        key.interestOps(key.interestOps() | SelectionKey.OP_WRITE);
      } else {
        out.add(buf);
      }
    } catch (IOException e) {
      loop.closed(this, "write: " + e.getMessage());
    }
  }

  /** Queued bytes not yet taken by the kernel. */
  long queuedBytes() {
    long n = 0;
    if (out != null) {
      for (ByteBuffer b : out) {
        n += b.remaining();
      }
    }
    return n;
  }

  void onWritable() throws IOException {
    while (out != null && !out.isEmpty()) {
      ByteBuffer head = out.peek();
      channel.write(head);
      if (head.hasRemaining()) {
        return;
      }
      out.poll();
    }
    key.interestOps(key.interestOps() & ~SelectionKey.OP_WRITE);
  }

  void sendHandshake() {
    byte[] nonce = new byte[16];
    ThreadLocalRandom.current().nextBytes(nonce);
    String request = "GET " + requestPath + " HTTP/1.1\r\n"
        + "Host: " + hostHeader + "\r\n"
        + "Upgrade: websocket\r\n"
        + "Connection: Upgrade\r\n"
        + "Sec-WebSocket-Key: " + java.util.Base64.getEncoder().encodeToString(nonce) + "\r\n"
        + "Sec-WebSocket-Version: 13\r\n\r\n";
    state = HANDSHAKE;
    writeRaw(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
  }

  /**
   * Reads what the socket has into {@code buf} (after any bytes kept from the last read) and
   * hands each complete frame to the loop's listener. Returns false once the peer closed.
   */
  boolean onReadable(byte[] buf, long now) throws IOException {
    int start = 0;
    if (pendingLen > 0) {
      System.arraycopy(pending, 0, buf, 0, pendingLen);
      start = pendingLen;
    }
    int n = channel.read(ByteBuffer.wrap(buf, start, buf.length - start));
    if (n < 0) {
      return false;
    }
    int end = start + n;
    int pos = 0;
    if (state == HANDSHAKE) {
      int headerEnd = indexOfCrlfCrlf(buf, 0, end);
      if (headerEnd < 0) {
        keep(buf, 0, end);
        return true;
      }
      String status = new String(buf, 0, Math.min(12, end), StandardCharsets.US_ASCII);
      if (!status.startsWith("HTTP/1.1 101")) {
        loop.closed(this, "handshake refused: "
            + new String(buf, 0, Math.min(headerEnd, 80), StandardCharsets.ISO_8859_1).split("\r\n")[0]);
        return true;
      }
      state = OPEN;
      openedAt = now;
      pos = headerEnd + 4;
      loop.opened(this);
    }
    pos = parseFrames(buf, pos, end, now);
    if (state == CLOSED) {
      return true;
    }
    if (pos < end) {
      if (end - pos >= buf.length) {
        loop.closed(this, "frame larger than the read buffer");
        return true;
      }
      keep(buf, pos, end);
    } else {
      pendingLen = 0;
      if (pending != null && pending.length > 4096) {
        pending = null;
      }
    }
    return true;
  }

  private int parseFrames(byte[] b, int pos, int end, long now) {
    while (end - pos >= 2 && state == OPEN) {
      int b0 = b[pos] & 0xFF;
      int b1 = b[pos + 1] & 0xFF;
      int header = 2;
      long len = b1 & 0x7F;
      if (len == 126) {
        if (end - pos < 4) {
          break;
        }
        len = ((b[pos + 2] & 0xFF) << 8) | (b[pos + 3] & 0xFF);
        header = 4;
      } else if (len == 127) {
        if (end - pos < 10) {
          break;
        }
        len = 0;
        for (int i = 0; i < 8; i++) {
          len = (len << 8) | (b[pos + 2 + i] & 0xFF);
        }
        header = 10;
      }
      if ((b1 & 0x80) != 0) {
        header += 4; // servers must not mask; tolerated and ignored
      }
      if (len > Integer.MAX_VALUE - 64 || end - pos < header + len) {
        if (header + len > b.length) {
          loop.closed(this, "frame of " + len + " bytes is over the read buffer");
        }
        break;
      }
      int off = pos + header;
      int length = (int) len;
      boolean fin = (b0 & 0x80) != 0;
      int opcode = b0 & 0x0F;
      switch (opcode) {
        case 0x1, 0x2 -> {
          if (fin) {
            deliver(b, off, length, now, opcode);
          } else {
            fragmentsLen = 0;
            appendFragment(b, off, length);
          }
        }
        case 0x0 -> {
          appendFragment(b, off, length);
          if (fin) {
            deliver(fragments, 0, fragmentsLen, now, 0x1);
            fragments = null;
            fragmentsLen = 0;
          }
        }
        case 0x8 -> {
          int code = length >= 2 ? ((b[off] & 0xFF) << 8) | (b[off + 1] & 0xFF) : 1005;
          String reason = length > 2 ? new String(b, off + 2, length - 2, StandardCharsets.UTF_8) : "";
          byte[] echo = new byte[Math.min(length, 2)];
          System.arraycopy(b, off, echo, 0, echo.length);
          writeFrame(0x8, echo);
          loop.closed(this, "closed by server: " + code + " " + reason);
        }
        case 0x9 -> {
          byte[] payload = new byte[length];
          System.arraycopy(b, off, payload, 0, length);
          writeFrame(0xA, payload);
        }
        default -> { } // pong or reserved: ignored
      }
      pos = off + length;
    }
    return pos;
  }

  private void deliver(byte[] b, int off, int len, long now, int opcode) {
    loop.framesIn.incrementAndGet();
    loop.listener().onMessage(this, b, off, len, now);
  }

  private void appendFragment(byte[] b, int off, int len) {
    if (fragments == null || fragments.length < fragmentsLen + len) {
      byte[] bigger = new byte[Math.max(1024, (fragmentsLen + len) * 2)];
      if (fragments != null) {
        System.arraycopy(fragments, 0, bigger, 0, fragmentsLen);
      }
      fragments = bigger;
    }
    System.arraycopy(b, off, fragments, fragmentsLen, len);
    fragmentsLen += len;
  }

  private void keep(byte[] b, int from, int to) {
    int len = to - from;
    if (pending == null || pending.length < len) {
      pending = new byte[Math.max(256, len)];
    }
    System.arraycopy(b, from, pending, 0, len);
    pendingLen = len;
  }

  private static int indexOfCrlfCrlf(byte[] b, int from, int to) {
    for (int i = from; i + 3 < to; i++) {
      if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') {
        return i;
      }
    }
    return -1;
  }
}
