package io.qingliao.server.internal.ws;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.java_websocket.WrappedByteChannel;
import org.java_websocket.enums.ReadyState;

/**
 * The channel the library reads and writes one connection through (plain or TLS below it). It
 * does what the library cannot be asked to do:
 *
 * <ul>
 *   <li>It ends a connection whose handshake goes past {@link #MAX_HANDSHAKE_BYTES} (431).
 *   <li>It lets the transport's {@link Outbox} write the hub's frames: after the library's own
 *       buffers, and never in the middle of one of them (nor they in the middle of a frame).
 *   <li>It keeps the raw request line of the handshake: the library reads it as US-ASCII, which
 *       turns a query written in raw UTF-8 ({@code ?room=大厅}, as some clients send it) into
 *       replacement characters.
 *   <li>It answers a refused handshake with the HTTP status we chose. Java-WebSocket 1.6.0
 *       answers every handshake refused by an {@code InvalidDataException} with a fixed
 *       {@code 404 WebSocket Upgrade Failure}; once {@link #refuse} is called, that response is
 *       replaced, byte for byte, by ours.
 *   <li>It closes a plain socket through {@link GentleClose}, so that a client still sending when
 *       the server ends the connection reads the close frame, not a reset.
 * </ul>
 */
final class AccountingChannel implements WrappedByteChannel {
  private final ByteChannel delegate;
  private final WsTransport transport;
  private static final int MAX_REQUEST_LINE = 8 * 1024;
  /** Most bytes a client may send before its handshake is complete (request line and headers). */
  static final int MAX_HANDSHAKE_BYTES = 32 * 1024;

  private volatile ByteBuffer refusal;
  private final ByteArrayOutputStream requestLine = new ByteArrayOutputStream();
  private volatile boolean requestLineComplete;
  /** Bytes read while the handshake was not complete; -1 once it is. Selector thread only. */
  private long handshakeBytes;

  AccountingChannel(ByteChannel delegate, WsTransport transport) {
    this.delegate = delegate;
    this.transport = transport;
  }

  /** Makes the next HTTP response on this channel {@code status} with a JSON error body. */
  void refuse(int status, String statusText, String code, String message) {
    String body = "{\"error\":\"" + code + "\",\"message\":\"" + message + "\"}";
    String response = "HTTP/1.1 " + status + " " + statusText + "\r\n"
        + "Content-Type: application/json; charset=utf-8\r\n"
        + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n"
        + "Connection: close\r\n"
        + "\r\n"
        + body;
    refusal = ByteBuffer.wrap(response.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    // Only the library's own buffers come through here (the handshake's answer, ping, pong,
    // close): the hub's frames go through the transport's Outbox, whose monitor every write holds.
    ByteBuffer replacement = refusal;
    if (replacement != null) {
      return writeInstead(src, replacement);
    }
    Outbox outbox = transport.outbox();
    synchronized (outbox) {
      if (!outbox.finishStartedFrame()) {
        return 0; // the selector comes back when the socket has room
      }
      int written = delegate.write(src);
      if (!src.hasRemaining() && transport.connection().outQueue.size() <= 1 && outbox.writeFromSelector()) {
        // The library's queue is done and frames of ours still wait: the library is about to
        // drop write interest (it only asks us once its queue is empty), so ask again, from
        // another thread, after it has. The periodic sweep is the backstop.
        transport.signalWriteDemandLater();
      }
      return written;
    }
  }

  /** Writes {@code replacement} in place of the library's response, consuming {@code src} once done. */
  private int writeInstead(ByteBuffer src, ByteBuffer replacement) throws IOException {
    if (replacement.hasRemaining()) {
      delegate.write(replacement);
      if (replacement.hasRemaining()) {
        return 0;
      }
    }
    int skipped = src.remaining();
    src.position(src.limit());
    return skipped;
  }

  /**
   * The request target of the handshake ({@code /path?query}) decoded as UTF-8, or null when the
   * request line is not complete, too long, or not valid UTF-8.
   */
  String requestTarget() {
    if (!requestLineComplete) {
      return null;
    }
    byte[] line = requestLine.toByteArray();
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(line))
          .toString()
          .strip();
    } catch (CharacterCodingException e) {
      return null;
    }
    int first = text.indexOf(' ');
    int last = text.lastIndexOf(' ');
    return first < 0 || last <= first ? null : text.substring(first + 1, last);
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    checkHandshakeSize();
    int start = dst.position();
    int read = delegate.read(dst);
    recordRequestLine(dst, start);
    countHandshakeBytes(read);
    return read;
  }

  /**
   * Ends a connection whose handshake goes on past {@link #MAX_HANDSHAKE_BYTES}. The library
   * keeps every byte of an unfinished handshake and parses all of it again on each read, so
   * endless headers would cost memory without bound and CPU quadratic in their length.
   */
  private void checkHandshakeSize() throws IOException {
    if (handshakeBytes < 0) {
      return;
    }
    if (transport.connection().getReadyState() != ReadyState.NOT_YET_CONNECTED) {
      handshakeBytes = -1; // upgraded (or closing): frames are the draft's business from now on
      return;
    }
    if (handshakeBytes > MAX_HANDSHAKE_BYTES) {
      ByteBuffer answer = ByteBuffer.wrap(("HTTP/1.1 431 Request Header Fields Too Large\r\n"
          + "Content-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      try {
        delegate.write(answer); // best effort, never waits
      } catch (IOException ignored) {
        // The connection is ended below either way.
      }
      throw new IOException("handshake over " + MAX_HANDSHAKE_BYTES + " bytes");
    }
  }

  private void countHandshakeBytes(int read) {
    if (handshakeBytes >= 0 && read > 0) {
      handshakeBytes += read;
    }
  }

  /** Copies bytes up to the first line feed of the connection; the selector thread is the only caller. */
  private void recordRequestLine(ByteBuffer dst, int start) {
    if (requestLineComplete || requestLine.size() > MAX_REQUEST_LINE) {
      return;
    }
    for (int i = start; i < dst.position(); i++) {
      byte b = dst.get(i);
      if (b == '\n') {
        requestLineComplete = true;
        return;
      }
      requestLine.write(b);
    }
  }

  @Override
  public boolean isOpen() {
    return delegate.isOpen();
  }

  @Override
  public void close() throws IOException {
    if (delegate instanceof SocketChannel socket) {
      // The library closes as soon as its close frame is out; a client may still be sending.
      transport.closeSocket(socket);
    } else {
      delegate.close(); // TLS: the library's channel ends the TLS session itself
    }
  }

  /**
   * Asked by the library last thing before it drops write interest. A buffer of its own queued
   * since it last looked (a close frame, say) counts too: its demand for writing may just have
   * been overwritten by the library's own read-only interest, and would then wait for the sweep.
   * Frames a write scope holds do not: the scope writes them, and asks the selector if it must.
   */
  @Override
  public boolean isNeedWrite() {
    return !transport.connection().outQueue.isEmpty() || transport.outbox().waitsForSelector()
        || delegate instanceof WrappedByteChannel w && w.isNeedWrite();
  }

  /** The library's queue was empty: TLS leftovers first, then the frames that wait in the outbox. */
  @Override
  public void writeMore() throws IOException {
    Outbox outbox = transport.outbox();
    synchronized (outbox) {
      if (delegate instanceof WrappedByteChannel w && w.isNeedWrite()) {
        w.writeMore();
        if (w.isNeedWrite()) {
          return;
        }
      }
      if (transport.connection().outQueue.isEmpty()) {
        outbox.writeFromSelector(); // else the library's buffer goes first, on its next pass
      }
    }
  }

  @Override
  public boolean isNeedRead() {
    return delegate instanceof WrappedByteChannel w && w.isNeedRead();
  }

  @Override
  public int readMore(ByteBuffer dst) throws IOException {
    if (!(delegate instanceof WrappedByteChannel w)) {
      return 0;
    }
    checkHandshakeSize();
    int start = dst.position();
    int read = w.readMore(dst);
    recordRequestLine(dst, start);
    countHandshakeBytes(read);
    return read;
  }

  @Override
  public boolean isBlocking() {
    if (delegate instanceof WrappedByteChannel w) {
      return w.isBlocking();
    }
    return delegate instanceof SelectableChannel c && c.isBlocking();
  }
}
