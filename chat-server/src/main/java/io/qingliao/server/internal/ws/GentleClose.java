package io.qingliao.server.internal.ws;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Closes a client's socket without resetting it under the client's feet (a "lingering close").
 *
 * <p>Java-WebSocket closes the socket as soon as its close frame is written. A client may still
 * be sending then (the rest of a message over the size limit, a flood, its last chat), and bytes
 * that reach a closed socket, or wait unread in one when it closes, make Linux answer with a
 * reset: the client's next write fails ("broken pipe") or its read ("connection reset"), often
 * before it has read the close frame or the HTTP answer that said why (1009, 4008, 431), so it
 * reports 1006 instead. Here the sending side is shut down instead (a FIN after the close frame),
 * and what the client still sends is read and dropped until it closes its side, for at most
 * {@link #LINGER_NANOS} and {@link #DRAIN_LIMIT} bytes; then the socket is closed. A client that
 * has already closed its side is closed at once. Plain TCP only: over TLS the library's channel
 * closes itself.
 */
final class GentleClose {
  /** Longest a closed connection's socket stays open for the client to finish. */
  static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(2);
  /** Most bytes read and dropped per closed connection: a client that floods on is cut. */
  static final int DRAIN_LIMIT = 256 * 1024;
  /**
   * Most sockets lingering at once; beyond, closes are immediate. Lingering sockets hold file
   * descriptors outside the connection limit: a client that opens and breaks connections as fast
   * as it can must not run the server out of them.
   */
  static final int MAX_LINGERING = 1024;
  private static final long FIRST_LOOK_MS = 10;
  private static final long LATEST_LOOK_MS = 250;
  private static final ThreadLocal<ByteBuffer> SINK = ThreadLocal.withInitial(() -> ByteBuffer.allocate(16 * 1024));

  private final ScheduledExecutorService scheduler;
  private final Set<SocketChannel> lingering = ConcurrentHashMap.newKeySet();
  private volatile boolean stopped;

  GentleClose(ScheduledExecutorService scheduler) {
    this.scheduler = scheduler;
  }

  /** Closes {@code socket}: once its client has closed its side, or the time or byte budget is up. */
  void close(SocketChannel socket) throws IOException {
    if (stopped || !socket.isOpen() || lingering.size() >= MAX_LINGERING) {
      socket.close();
      return;
    }
    long drained;
    try {
      drained = drain(socket, DRAIN_LIMIT);
    } catch (IOException broken) {
      socket.close();
      return;
    }
    if (drained < 0 || drained >= DRAIN_LIMIT) {
      // The client has closed its side (nothing more can come), or it floods.
      socket.close();
      return;
    }
    try {
      socket.shutdownOutput();
    } catch (IOException broken) {
      socket.close();
      return;
    }
    if (!lingering.add(socket)) {
      return; // closed twice: the first close already watches it
    }
    look(new Lingering(socket, System.nanoTime() + LINGER_NANOS, DRAIN_LIMIT - drained), FIRST_LOOK_MS);
  }

  /** Closes every socket still lingering; later closes are immediate. */
  void stop() {
    stopped = true;
    for (SocketChannel socket : lingering) {
      closeQuietly(socket);
    }
  }

  private void look(Lingering l, long delayMs) {
    try {
      scheduler.schedule(() -> drainOrClose(l, delayMs), delayMs, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException stopping) {
      closeQuietly(l.socket);
    }
  }

  private void drainOrClose(Lingering l, long lastDelayMs) {
    long drained;
    try {
      drained = stopped ? -1 : drain(l.socket, l.budget);
    } catch (IOException broken) {
      drained = -1;
    }
    if (drained < 0 || drained >= l.budget || System.nanoTime() - l.deadline >= 0) {
      closeQuietly(l.socket);
      return;
    }
    l.budget -= drained;
    look(l, Math.min(LATEST_LOOK_MS, lastDelayMs * 2));
  }

  /** Reads and drops what waits, up to {@code budget} bytes; -1 once the client has closed its side. */
  private static long drain(SocketChannel socket, long budget) throws IOException {
    ByteBuffer sink = SINK.get();
    long total = 0;
    while (total < budget) {
      sink.clear();
      int read = socket.read(sink);
      if (read < 0) {
        return -1;
      }
      if (read == 0) {
        break;
      }
      total += read;
    }
    return total;
  }

  private void closeQuietly(SocketChannel socket) {
    lingering.remove(socket);
    try {
      socket.close();
    } catch (IOException ignored) {
      // Closing anyway.
    }
  }

  /** A socket waiting for its client: when to give up, and how many more bytes it may send. */
  private static final class Lingering {
    final SocketChannel socket;
    final long deadline;
    long budget;

    Lingering(SocketChannel socket, long deadline, long budget) {
      this.socket = socket;
      this.deadline = deadline;
      this.budget = budget;
    }
  }
}
