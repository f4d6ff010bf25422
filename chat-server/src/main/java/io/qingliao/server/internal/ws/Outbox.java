package io.qingliao.server.internal.ws;

import io.qingliao.server.internal.batch.WriteBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.Iterator;
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
 * Frames arrive at position 0 ({@link ServerFrames}), so a head frame with a position above 0
 * is one the socket has taken part of.
 */
final class Outbox implements WriteBatch.Deferred {
  /** Most frames handed to one gathering write (the kernel takes up to 1,024). */
  private static final int MAX_GATHER = 64;

  private final WebSocketImpl conn;
  private final WsTransport transport;
  /** The channel below the accounting layer: the socket itself, or the library's TLS channel. */
  private final ByteChannel channel;
  /** The same channel when it is a plain socket: then any thread may write it. */
  private final GatheringByteChannel socket;

  /** Frames not yet written, oldest first; null while none waits (most connections, most of the time). */
  private ArrayDeque<ByteBuffer> waiting;
  private volatile long waitingBytes;
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

  /** Bytes of frames sent and not yet written. */
  long waitingBytes() {
    return waitingBytes;
  }

  /** Sends a frame: writes it now if it may, else it waits (for a scope's end, or the selector). */
  void send(ByteBuffer frame) {
    boolean askSelector;
    synchronized (this) {
      if (closed) {
        return;
      }
      if (waiting == null) {
        waiting = new ArrayDeque<>(4);
      }
      waiting.addLast(frame);
      waitingBytes += frame.remaining();
      if (flushDeferred) {
        return;
      }
      if (WriteBatch.defer(this)) {
        flushDeferred = true;
        return;
      }
      askSelector = writeOrAsk();
    }
    if (askSelector) {
      transport.signalWriteDemand();
    }
  }

  /** The scope that deferred this outbox closed: write what waits. */
  @Override
  public void flush() {
    boolean askSelector;
    synchronized (this) {
      flushDeferred = false;
      askSelector = writeOrAsk();
    }
    if (askSelector) {
      transport.signalWriteDemand();
    }
  }

  /**
   * Runs {@code action} once every frame sent so far is written (now, if nothing waits), or
   * never, if the connection ends first or its frames are dropped and it is closed otherwise.
   */
  void whenDrained(Runnable action) {
    synchronized (this) {
      if (!closed && waiting != null && !waiting.isEmpty()) {
        afterDrain = action;
        return;
      }
    }
    action.run();
  }

  /** Drops the frames that wait, but one the socket has taken part of (a slow consumer's end). */
  synchronized void dropWaiting() {
    if (waiting == null) {
      return;
    }
    for (Iterator<ByteBuffer> it = waiting.iterator(); it.hasNext(); ) {
      ByteBuffer frame = it.next();
      if (frame.position() == 0) {
        it.remove();
        waitingBytes -= frame.remaining();
      }
    }
  }

  /** The connection is gone: forget what waits. */
  synchronized void close() {
    closed = true;
    waiting = null;
    waitingBytes = 0;
    afterDrain = null;
  }

  /** True while frames wait. */
  synchronized boolean hasWaiting() {
    return waiting != null && !waiting.isEmpty();
  }

  // The selector's side, through AccountingChannel ----------------------------------------------

  /**
   * Before the library writes a buffer of its own: finishes a frame the socket has taken part
   * of. False when it could not: the library must not write now.
   */
  synchronized boolean finishStartedFrame() throws IOException {
    ByteBuffer head = waiting == null ? null : waiting.peekFirst();
    if (head == null || head.position() == 0) {
      return true;
    }
    int before = head.remaining();
    channel.write(head);
    written(before - head.remaining());
    if (head.hasRemaining()) {
      return false;
    }
    waiting.pollFirst();
    if (waiting.isEmpty()) {
      selectorAsked = false;
      drained();
    }
    return true;
  }

  /**
   * On the selector thread, once the library's own buffers are written: writes what waits here.
   * Returns true if something still waits (the socket is full).
   */
  synchronized boolean writeFromSelector() throws IOException {
    if (waiting == null || waiting.isEmpty()) {
      selectorAsked = false;
      return false;
    }
    writeWaiting();
    if (waiting.isEmpty()) {
      selectorAsked = false;
      drained();
      return false;
    }
    selectorAsked = true;
    return true;
  }

  // ------------------------------------------------------------------------------------------------

  /**
   * Writes what waits if this thread may and should; else returns true when the selector must
   * be asked to write it (once: while it is asked, it will write all that waits).
   */
  private boolean writeOrAsk() {
    if (waiting == null || waiting.isEmpty() || selectorAsked) {
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
      if (waiting.isEmpty()) {
        drained();
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
      waiting.clear();
      waitingBytes = 0;
      return;
    }
    if (socket == null) {
      writeOneByOne();
      return;
    }
    while (!waiting.isEmpty()) {
      if (waiting.size() == 1) {
        ByteBuffer frame = waiting.peekFirst();
        written(socket.write(frame));
        if (frame.hasRemaining()) {
          return;
        }
        waiting.pollFirst();
        return;
      }
      ByteBuffer[] frames = new ByteBuffer[Math.min(waiting.size(), MAX_GATHER)];
      Iterator<ByteBuffer> it = waiting.iterator();
      for (int i = 0; i < frames.length; i++) {
        frames[i] = it.next();
      }
      written(socket.write(frames));
      for (ByteBuffer frame : frames) {
        if (frame.hasRemaining()) {
          return;
        }
        waiting.pollFirst();
      }
    }
  }

  /** Over TLS: the library's channel encrypts one buffer per call and keeps what the socket refused. */
  private void writeOneByOne() throws IOException {
    while (!waiting.isEmpty()) {
      if (channel instanceof org.java_websocket.WrappedByteChannel tls && tls.isNeedWrite()) {
        return;
      }
      ByteBuffer frame = waiting.peekFirst();
      int before = frame.remaining();
      channel.write(frame);
      written(before - frame.remaining());
      if (frame.hasRemaining()) {
        return;
      }
      waiting.pollFirst();
    }
  }

  /** Frames may still be written: the connection is open and no close frame is queued. */
  private boolean sendable() {
    return conn.getReadyState() == ReadyState.OPEN && !conn.isFlushAndClose();
  }

  private void written(long bytes) {
    if (bytes > 0) {
      waitingBytes -= bytes;
    }
  }

  /** Nothing waits any more: let the queue go (most connections are idle) and run what waited for this. */
  private void drained() {
    waiting = null;
    Runnable action = afterDrain;
    afterDrain = null;
    if (action != null) {
      action.run();
    }
  }
}
