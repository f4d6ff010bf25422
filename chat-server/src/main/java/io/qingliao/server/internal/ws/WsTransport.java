package io.qingliao.server.internal.ws;

import io.qingliao.core.CloseCodes;
import io.qingliao.core.HubSession;
import io.qingliao.core.OutboundFrame;
import io.qingliao.core.SessionTransport;
import io.qingliao.server.Identity;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.exceptions.WebsocketNotConnectedException;
import org.java_websocket.framing.CloseFrame;

/**
 * One TCP connection, from accept to close: the hub's {@link SessionTransport} once the
 * handshake is done, and the state the WebSocket side keeps for it (identity, idle clock,
 * connection slot, close deadline).
 *
 * <p>Frames are ready-made bytes ({@link ServerFrames}) handed to the connection's
 * {@link Outbox}, which writes them at once or keeps them until the socket has room. Nothing
 * here blocks: closing is handed to the server's scheduler, because the library closes under
 * the connection's monitor and calls back into the hub; and a close waits for the frames sent
 * before it (an error, then the close that explains it).
 */
final class WsTransport implements SessionTransport {
  /** How long a close handshake may take before the TCP connection is cut. */
  static final long CLOSE_GRACE_NANOS = TimeUnit.SECONDS.toNanos(2);

  private final WebSocketImpl conn;
  private final WebSocketFrontend server;
  private final AtomicBoolean holdsSlot = new AtomicBoolean();
  private final AtomicBoolean closing = new AtomicBoolean();
  private final long acceptedAt = System.nanoTime();
  private volatile long lastFrameAt = acceptedAt;
  /** When the client last answered a ping (or the connection opened). */
  private volatile long lastPongAt = acceptedAt;
  /** When this connection's next keep-alive ping is due; 0 until the WebSocket is open. */
  private volatile long nextPingAt;
  private volatile long closeDeadline;
  private volatile int closeCode = CloseCodes.GOING_AWAY;
  private volatile String closeReason = "";
  private volatile AccountingChannel channel;
  private Outbox outbox;
  private volatile HandshakeRequest request;
  private volatile Identity identity;
  private volatile HubSession session;
  private volatile boolean upgraded;
  private boolean ended;

  WsTransport(WebSocketImpl conn, WebSocketFrontend server) {
    this.conn = conn;
    this.server = server;
  }

  // SessionTransport ---------------------------------------------------------------------------

  @Override
  public void sendText(String text) {
    enqueue(server.frames().text(text));
  }

  @Override
  public void sendFrame(OutboundFrame frame) {
    enqueue(server.frames().shared(frame));
  }

  @Override
  public void sendBinary(ByteBuffer data) {
    enqueue(server.frames().binary(data));
  }

  @Override
  public void close(int code, String reason) {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    if (code == CloseCodes.SLOW_CONSUMER) {
      outbox.dropWaiting();
    }
    closeCode = code;
    closeReason = reason;
    closeDeadline = System.nanoTime() + CLOSE_GRACE_NANOS;
    outbox.whenDrained(() -> server.runLaterUnlessStopped(() -> {
      try {
        conn.close(code, reason);
      } catch (RuntimeException e) {
        conn.closeConnection(code, reason);
      }
    }));
  }

  @Override
  public long queuedBytes() {
    return outbox.waitingBytes();
  }

  // Life cycle, called by WebSocketFrontend --------------------------------------------------------

  /** Called once, at accept, before any frame can be sent. */
  void channel(AccountingChannel channel, Outbox outbox) {
    this.channel = channel;
    this.outbox = outbox;
  }

  Outbox outbox() {
    return outbox;
  }

  /** The thread that may flush part of a large scope; null when this machine has one core. */
  Executor flushHelper() {
    return server.flushHelper();
  }

  /** Remembers what the handshake asked for and who the authenticator says the client is (null: refused). */
  void handshake(HandshakeRequest request, Identity identity) {
    this.request = request;
    this.identity = identity;
  }

  HandshakeRequest request() {
    return request;
  }

  Identity identity() {
    return identity;
  }

  /**
   * Hands the hub session to this connection. Returns false when the connection has already
   * ended (the client left while the hub was opening it); the caller must then close the session.
   */
  synchronized boolean attach(HubSession session) {
    if (ended) {
      return false;
    }
    this.session = session;
    return true;
  }

  /** Marks the connection ended and returns its hub session, if one was attached. */
  synchronized HubSession end() {
    ended = true;
    return session;
  }

  HubSession session() {
    return session;
  }

  WebSocketImpl connection() {
    return conn;
  }

  /** The handshake's request target as the client sent it, in UTF-8; falls back to the library's reading. */
  String requestTarget(String libraryReading) {
    AccountingChannel c = channel;
    String raw = c == null ? null : c.requestTarget();
    return raw != null ? raw : libraryReading;
  }

  /** Answers the handshake with {@code status} instead of upgrading; the connection then ends. */
  void refuse(int status, String statusText, String code, String message) {
    closing.set(true);
    closeCode = CloseFrame.POLICY_VALIDATION;
    closeReason = message;
    closeDeadline = System.nanoTime() + CLOSE_GRACE_NANOS;
    AccountingChannel c = channel;
    if (c != null) {
      c.refuse(status, statusText, code, message);
    }
  }

  /**
   * The handshake is done: from now on a close waits for the client's close frame, and the
   * connection is pinged every {@code pingNanos}. Its first periodic ping comes at a random point
   * of the first period, so that connections that opened together (a big room filling up, every
   * client reconnecting after a restart) are not pinged, and do not answer, all in one burst:
   * a thousand pongs read in one go hold up the chats that arrive with them.
   */
  void upgraded(long pingNanos) {
    long now = System.nanoTime();
    lastPongAt = now;
    nextPingAt = now + 1 + ThreadLocalRandom.current().nextLong(pingNanos);
    upgraded = true;
  }

  /** The client answered a ping. */
  void pongReceived() {
    lastPongAt = System.nanoTime();
  }

  /** A data frame arrived: the idle clock starts again. */
  void frameReceived() {
    lastFrameAt = System.nanoTime();
  }

  /** This connection counts against the connection limit from now on. */
  void holdSlot() {
    holdsSlot.set(true);
  }

  /** True once, if this connection held a slot of the connection limit. */
  boolean releaseSlot() {
    return holdsSlot.compareAndSet(true, false);
  }

  /** The connection is gone: forget what it still had queued. */
  void closed() {
    closing.set(true);
    conn.outQueue.clear();
    outbox.close();
  }

  /**
   * The periodic check: ends a close that takes too long, closes a connection whose client
   * has been silent past {@code idleNanos} (4000), or has not finished its handshake by then,
   * and pings an open connection once per {@code pingNanos} (cutting it when the client has not
   * answered for one and a half of those).
   */
  void sweep(long now, long idleNanos, long pingNanos) {
    long deadline = closeDeadline;
    if (!conn.isClosed() && (!conn.outQueue.isEmpty() || outbox.waitsForSelector()) && !selectorWantsWrite()) {
      // The selector's race: demand signalled just after its last look at the queues, which it
      // then overwrote with read interest. Write now what waits (a close frame included).
      // Only what waits for the selector: a sweep that also signalled for frames a write scope
      // held at that instant (a big room's fan-out in progress) marked hundreds of silent
      // members' keys, which Java-WebSocket then walks at every wake-up until they next read.
      signalWriteDemand();
    }
    if (closing.get()) {
      if (conn.isClosed()) {
        return;
      }
      if (deadline != 0 && now - deadline > 0) {
        conn.closeConnection(closeCode, closeReason);
      } else if (!upgraded && conn.isFlushAndClose() && conn.outQueue.isEmpty()) {
        // A refused handshake (403, 503) whose answer is written: nothing more to wait for.
        // (A WebSocket that was open waits for the client's close frame, up to the deadline.)
        conn.closeConnection(closeCode, closeReason);
      }
      return;
    }
    if (conn.isOpen()) {
      if (session != null && now - lastFrameAt > idleNanos) {
        server.idle(this);
        close(CloseCodes.IDLE, CloseCodes.REASON_IDLE);
      } else {
        keepAlive(now, pingNanos);
      }
    } else if (!upgraded && !conn.isClosed() && conn.isFlushAndClose() && conn.outQueue.isEmpty()) {
      // A handshake the library refused itself (no key, wrong version, not WebSocket at all):
      // it answers 404 and means to close once that is written, but for a connection that never
      // got a draft it does not (Java-WebSocket 1.6.0), so the socket would stay until the
      // timeout below. The answer is out: end it now.
      closing.set(true);
      server.runLater(() -> conn.closeConnection(CloseFrame.NEVER_CONNECTED, "refused handshake"));
    } else if (!conn.isClosed() && now - acceptedAt > idleNanos) {
      closing.set(true);
      server.runLater(() -> conn.closeConnection(CloseFrame.ABNORMAL_CLOSE, "no handshake"));
    }
  }

  /** Pings the client when its ping is due, or cuts the connection if it left the last ones unanswered. */
  private void keepAlive(long now, long pingNanos) {
    long due = nextPingAt;
    if (due == 0 || now - due < 0) {
      return;
    }
    if (now - lastPongAt > pingNanos + pingNanos / 2) {
      // The peer is gone without a FIN (a phone that lost its network, a dead NAT mapping), or
      // has stopped reading: writes to it would only fail after minutes of TCP retransmission.
      closing.set(true);
      server.runLater(() -> conn.closeConnection(CloseFrame.ABNORMAL_CLOSE, "no pong in time"));
      return;
    }
    nextPingAt = now + pingNanos;
    try {
      conn.sendPing();
    } catch (WebsocketNotConnectedException closedMeanwhile) {
      // The next sweep finds it closed.
    }
  }

  private void enqueue(ByteBuffer frame) {
    if (closing.get() || !conn.isOpen()) {
      return;
    }
    int bytes = frame.remaining();
    outbox.send(frame);
    server.metrics().framesOut(1, bytes);
  }

  /** Closes the connection's socket, letting a client that is still sending read why first. */
  void closeSocket(SocketChannel socket) throws IOException {
    server.gentleClose().close(socket);
  }

  /** Asks the selector to write this connection; false once the server or connection is gone. */
  boolean signalWriteDemand() {
    try {
      server.onWriteDemand(conn);
      return true;
    } catch (ClosedSelectorException | CancelledKeyException stopping) {
      // The server is stopping (its selector is closed) or the connection is gone: nothing will
      // be written. The library catches only the second; the first would reach the hub's caller.
      return false;
    }
  }

  /** {@link #signalWriteDemand()} from the scheduler thread, after the selector's current pass. */
  void signalWriteDemandLater() {
    server.runLater(this::signalWriteDemand);
  }

  /** True while the selector is asked to write this connection (or its key is gone: nothing to ask). */
  private boolean selectorWantsWrite() {
    SelectionKey key = conn.getSelectionKey();
    if (key == null) {
      return true;
    }
    try {
      return (key.interestOps() & SelectionKey.OP_WRITE) != 0;
    } catch (CancelledKeyException gone) {
      return true;
    }
  }
}
