package io.qingliao.server.internal.ws;

import io.qingliao.server.internal.batch.WriteBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.enums.ReadyState;

/**
 * The frames of one connection that come from the hub, and how they reach its socket.
 *
 * <p>They do not go through the library's output queue. That queue takes locks on both sides
 * for every frame, and only the selector thread writes it: each frame would cost an interest
 * change, a selector wake-up and a {@code write(2)} of its own, and wait for the selector to
 * come round. Here, on plain TCP, the thread that sends a frame writes it itself when nothing
 * is waiting ahead of it (the usual case: the socket has room). Only what the socket does not
 * take waits here, and the selector, asked once, writes all of it in one gathering write when
 * the socket has room again. Inside a {@link WriteBatch} scope frames wait for the scope to
 * close and then go out together, one write for the lot. Over TLS the library's channel is not
 * safe for two threads, so every frame waits for the selector, which writes them in turn.
 *
 * <p>What holds, under this object's monitor (every write to the socket takes it, the
 * library's own buffers included, see {@link AccountingChannel}):
 * <ul>
 *   <li>frames reach the socket whole and in the order they were sent;
 *   <li>a frame the socket took only part of is finished before any other byte is written;
 *   <li>the library's own buffers (handshake answer, ping, pong, close) go before frames that
 *       wait here, and no frame follows a close frame.
 * </ul>
 * A frame is the bytes between its buffer's position and limit, and nothing here moves them: a
 * broadcast's one buffer is shared by every receiver ({@link ServerFrames#shared}), and how much
 * of the oldest waiting frame the socket has taken is counted here ({@link #headWritten}). On
 * plain TCP the waiting frames are copied into a direct buffer of the writing thread and written
 * with one {@code write(2)} (the JDK would copy a heap buffer to a direct one anyway), so that
 * sending a frame allocates nothing.
 */
final class Outbox implements WriteBatch.Deferred {
  /** Bytes one write hands the socket at most; a bigger frame is written on its own. */
  static final int SCRATCH_BYTES = 32 * 1024;
  /**
   * Bytes the first write of a pass offers. The selector also calls on connections whose
   * socket is still full (the library keeps write-ready keys selected): a small first offer
   * keeps that cheap, and a socket that takes it all gets the full scratch next.
   */
  private static final int FIRST_OFFER_BYTES = 4 * 1024;
  /** The writing thread's copy buffer; only the threads that write have one. */
  private static final ThreadLocal<ByteBuffer> SCRATCH =
      ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(SCRATCH_BYTES));

  private final WebSocketImpl conn;
  private final WsTransport transport;
  /** The channel below the accounting layer: the socket itself, or the library's TLS channel. */
  private final ByteChannel channel;
  /** The same channel when it is a plain socket: then any thread may write it. */
  private final SocketChannel socket;

  /** The oldest frame not yet written in full, or null when none waits. */
  private ByteBuffer head;
  /** Bytes of {@link #head} the socket has taken. */
  private int headWritten;
  /** Frames waiting behind {@link #head}, oldest first; null while there are none (the usual case). */
  private ArrayDeque<ByteBuffer> behind;
  /** Bytes of the frames that wait (all of them). */
  private long waitingBytes;
  /** Of {@link #waitingBytes}, those held back by a scope and not yet offered to the socket. */
  private long heldBytes;
  /** {@link #waitingBytes} less {@link #heldBytes}: what the slow-consumer check sees. */
  private volatile long offeredBytes;
  /** A scope on some thread will flush this outbox when it closes. */
  private boolean flushDeferred;
  /** The selector has been asked to write what waits, and has not yet written all of it. */
  private boolean selectorAsked;
  private boolean closed;
  /** Runs once nothing waits any more (a close that must follow the frames sent before it). */
  private Runnable afterDrain;

  Outbox(WebSocketImpl conn, WsTransport transport, ByteChannel channel) {
    this.conn = conn;
    this.transport = transport;
    this.channel = channel;
    this.socket = channel instanceof SocketChannel s ? s : null;
  }

  /**
   * Bytes of frames offered to the socket and not yet taken. Frames a scope holds back do not
   * count until it flushes: one group commit of many chats must not make every member of the
   * room look like a slow consumer before the first byte was even offered.
   */
  long waitingBytes() {
    return offeredBytes;
  }

  /** Sends a frame: writes it now if it may, else it waits (for a scope's end, or the selector). */
  void send(ByteBuffer frame) {
    boolean askSelector;
    synchronized (this) {
      if (closed) {
        return;
      }
      if (head == null) {
        head = frame;
        headWritten = 0;
      } else {
        if (behind == null) {
          behind = new ArrayDeque<>(4);
        }
        behind.addLast(frame);
      }
      waitingBytes += frame.remaining();
      if (flushDeferred || WriteBatch.defer(this)) {
        flushDeferred = true;
        heldBytes += frame.remaining();
        return;
      }
      askSelector = writeOrAsk();
      expose();
    }
    if (askSelector) {
      transport.signalWriteDemand();
    }
  }

  /** The server's second flushing thread, for large scopes (see {@link WriteBatch}). */
  @Override
  public Executor helper() {
    return transport.flushHelper();
  }

  /** The scope that deferred this outbox closed: write what waits. */
  @Override
  public void flush() {
    boolean askSelector;
    synchronized (this) {
      flushDeferred = false;
      heldBytes = 0;
      askSelector = writeOrAsk();
      expose();
    }
    if (askSelector) {
      transport.signalWriteDemand();
    }
  }

  /**
   * Runs {@code action} once every frame sent so far is written (now, if nothing waits), or
   * never, if the connection ends first.
   */
  void whenDrained(Runnable action) {
    synchronized (this) {
      if (!closed && head != null) {
        afterDrain = action;
        return;
      }
    }
    action.run();
  }

  /** Drops the frames that wait, but one the socket has taken part of (a slow consumer's end). */
  synchronized void dropWaiting() {
    behind = null;
    if (head != null && headWritten == 0) {
      head = null;
    }
    waitingBytes = head == null ? 0 : head.remaining() - headWritten;
    heldBytes = 0;
    expose();
  }

  /** The connection is gone: forget what waits. */
  synchronized void close() {
    closed = true;
    head = null;
    behind = null;
    waitingBytes = 0;
    heldBytes = 0;
    expose();
    afterDrain = null;
  }

  /**
   * True while frames wait for the selector: the socket refused them, or they go out over TLS.
   * Frames a scope holds back, or that a sending thread is writing, are not the selector's.
   */
  synchronized boolean waitsForSelector() {
    return selectorAsked && head != null;
  }

  // The selector's side, through AccountingChannel ----------------------------------------------

  /**
   * Before the library writes a buffer of its own: finishes a frame the socket has taken part
   * of. False when it could not: the library must not write now.
   */
  synchronized boolean finishStartedFrame() throws IOException {
    if (head == null || headWritten == 0) {
      return true;
    }
    ByteBuffer rest = head.duplicate();
    rest.position(head.position() + headWritten);
    int offered = rest.remaining();
    channel.write(rest);
    taken(offered - rest.remaining());
    expose();
    return headWritten == 0; // the head was finished (and the next one has not started)
  }

  /**
   * On the selector thread, once the library's own buffers are written: writes what waits here.
   * Returns true if something still waits (the socket is full).
   */
  synchronized boolean writeFromSelector() throws IOException {
    if (head != null) {
      heldBytes = 0; // whatever a scope held back is offered now
      writeWaiting();
      expose();
    }
    selectorAsked = head != null;
    return selectorAsked;
  }

  // ------------------------------------------------------------------------------------------------

  /**
   * Writes what waits if this thread may and should; else returns true when the selector must
   * be asked to write it (once: while it is asked, it will write all that waits).
   */
  private boolean writeOrAsk() {
    if (head == null || selectorAsked) {
      return false;
    }
    // The library's buffers go first (the handshake's answer before the welcome), and only the
    // selector writes those: if any wait, so do we.
    if (socket != null && conn.outQueue.isEmpty()) {
      try {
        writeWaiting();
      } catch (IOException broken) {
        // The peer is gone. The selector, asked to write, meets the same failure and ends the
        // connection the library's way (close callbacks and all).
      }
      if (head == null) {
        return false;
      }
    }
    selectorAsked = true;
    return true;
  }

  /** Writes waiting frames until none is left or the socket is full; under the monitor. */
  private void writeWaiting() throws IOException {
    if (!sendable()) {
      // A close frame is out (or about to be): nothing may follow it.
      behind = null;
      head = null;
      waitingBytes = 0;
      heldBytes = 0;
      drained();
      return;
    }
    int offer = FIRST_OFFER_BYTES;
    while (head != null) {
      int offered;
      int taken;
      if (socket == null || head.remaining() - headWritten > SCRATCH_BYTES) {
        // TLS (the library's channel encrypts one buffer per call), or a frame too big to copy.
        ByteBuffer rest = head.duplicate();
        rest.position(head.position() + headWritten);
        offered = rest.remaining();
        channel.write(rest); // over TLS this counts encrypted bytes: count what left the buffer
        taken = offered - rest.remaining();
      } else {
        ByteBuffer scratch = SCRATCH.get();
        copyWaiting(scratch, offer);
        offer = SCRATCH_BYTES;
        offered = scratch.remaining();
        taken = socket.write(scratch);
      }
      taken(taken);
      if (taken < offered || socket == null && isTlsBacklogged()) {
        return; // the socket is full
      }
    }
  }

  /**
   * Fills {@code scratch} with the head's rest and as many whole frames behind it as fit in
   * {@code offer} bytes, flipped.
   */
  private void copyWaiting(ByteBuffer scratch, int offer) {
    scratch.clear();
    int headLength = head.remaining() - headWritten;
    scratch.put(0, head, head.position() + headWritten, headLength);
    int filled = headLength;
    if (behind != null) {
      for (ByteBuffer frame : behind) {
        int length = frame.remaining();
        if (filled + length > offer) {
          break;
        }
        scratch.put(filled, frame, frame.position(), length);
        filled += length;
      }
    }
    scratch.limit(filled);
  }

  /** Accounts for {@code bytes} the socket took, from the head on: finished frames leave. */
  private void taken(long bytes) {
    if (bytes <= 0) {
      return;
    }
    waitingBytes -= bytes;
    long left = bytes;
    while (left > 0 && head != null) {
      int headLeft = head.remaining() - headWritten;
      if (left < headLeft) {
        headWritten += (int) left;
        return;
      }
      left -= headLeft;
      head = behind == null ? null : behind.pollFirst();
      headWritten = 0;
    }
    if (head == null) {
      drained();
    }
  }

  /** Publishes what the slow-consumer check may read; under the monitor after every change. */
  private void expose() {
    offeredBytes = waitingBytes - heldBytes;
  }

  private boolean isTlsBacklogged() {
    return channel instanceof org.java_websocket.WrappedByteChannel tls && tls.isNeedWrite();
  }

  /** Frames may still be written: the connection is open and no close frame is queued. */
  private boolean sendable() {
    return conn.getReadyState() == ReadyState.OPEN && !conn.isFlushAndClose();
  }

  /** Nothing waits any more: let the queue go (most connections are idle) and run what waited for this. */
  private void drained() {
    behind = null;
    selectorAsked = false;
    Runnable action = afterDrain;
    afterDrain = null;
    if (action != null) {
      action.run();
    }
  }
}
