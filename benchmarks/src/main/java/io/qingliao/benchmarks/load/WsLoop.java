package io.qingliao.benchmarks.load;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One selector thread serving many {@link WsConnection}s: thousands of sockets per thread, no
 * thread per connection. Work from other threads comes in through {@link #execute}.
 */
final class WsLoop implements Runnable {
  /** What a scenario hears; every call runs on the loop's thread. */
  interface Listener {
    void onOpen(WsConnection c);

    /** A whole text (or binary) message; {@code buf} is reused after the call returns. */
    void onMessage(WsConnection c, byte[] buf, int off, int len, long arrivalNanos);

    void onClose(WsConnection c, String why);
  }

  private final Selector selector;
  private final Thread thread;
  private final Listener listener;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean wakeupPending = new AtomicBoolean();
  private final byte[] readBuffer = new byte[1 << 20];
  private final List<WsConnection> connections = new ArrayList<>();
  private volatile boolean stopping;
  final AtomicLong opened = new AtomicLong();
  final AtomicLong failed = new AtomicLong();
  final AtomicLong closedAfterOpen = new AtomicLong();
  final AtomicLong framesIn = new AtomicLong();
  volatile String lastFailure = "";

  WsLoop(String name, Listener listener) throws IOException {
    this.selector = Selector.open();
    this.listener = listener;
    this.thread = new Thread(this, name);
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  Thread thread() {
    return thread;
  }

  Listener listener() {
    return listener;
  }

  void execute(Runnable task) {
    tasks.add(task);
    if (Thread.currentThread() != thread && wakeupPending.compareAndSet(false, true)) {
      selector.wakeup();
    }
  }

  /** Opens a connection to {@code server}, from {@code source} when not null. From any thread. */
  void connect(WsConnection c, InetSocketAddress server, InetSocketAddress source) {
    execute(() -> {
      try {
        SocketChannel ch = SocketChannel.open();
        c.channel = ch;
        ch.configureBlocking(false);
        ch.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
        if (source != null) {
          ch.bind(source);
        }
        connections.add(c);
        if (ch.connect(server)) {
          c.key = ch.register(selector, SelectionKey.OP_READ, c);
          c.sendHandshake();
        } else {
          c.key = ch.register(selector, SelectionKey.OP_CONNECT, c);
        }
      } catch (IOException | RuntimeException e) {
        closed(c, "connect: " + e);
      }
    });
  }

  /** Closes every connection of this loop (TCP close, no closing handshake), then the selector. */
  void shutdown() {
    execute(() -> {
      for (WsConnection c : connections) {
        closeQuietly(c);
      }
      connections.clear();
      stopping = true;
    });
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Number of connections this loop still holds open. */
  long openCount() {
    return opened.get() - closedAfterOpen.get();
  }

  @Override
  public void run() {
    try {
      while (!stopping) {
        selector.select(50);
        wakeupPending.set(false);
        Runnable task;
        while ((task = tasks.poll()) != null) {
          task.run();
        }
        long now = System.nanoTime();
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
          SelectionKey key = it.next();
          it.remove();
          WsConnection c = (WsConnection) key.attachment();
          handle(c, key, now);
        }
      }
    } catch (IOException | RuntimeException e) {
      lastFailure = "loop died: " + e;
      e.printStackTrace();
    } finally {
      try {
        selector.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }

  private void handle(WsConnection c, SelectionKey key, long now) {
    try {
      if (!key.isValid()) {
        return;
      }
      if (key.isConnectable()) {
        if (c.channel.finishConnect()) {
          key.interestOps(SelectionKey.OP_READ);
          c.sendHandshake();
        }
        return;
      }
      if (key.isWritable()) {
        c.onWritable();
      }
      if (key.isValid() && key.isReadable()) {
        if (!c.onReadable(readBuffer, now)) {
          closed(c, "connection ended by the server");
        }
      }
    } catch (IOException | RuntimeException e) {
      closed(c, e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  void opened(WsConnection c) {
    opened.incrementAndGet();
    listener.onOpen(c);
  }

  void closed(WsConnection c, String why) {
    if (c.state == WsConnection.CLOSED) {
      return;
    }
    boolean wasOpen = c.state == WsConnection.OPEN;
    closeQuietly(c);
    if (wasOpen) {
      closedAfterOpen.incrementAndGet();
    } else {
      failed.incrementAndGet();
    }
    lastFailure = why;
    listener.onClose(c, why);
  }

  private static void closeQuietly(WsConnection c) {
    c.state = WsConnection.CLOSED;
    try {
      if (c.key != null) {
        c.key.cancel();
      }
      if (c.channel != null) {
        c.channel.close();
      }
    } catch (IOException ignored) {
      // already gone
    }
  }
}
