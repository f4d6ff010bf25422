package io.qingliao.client.internal.wx;

import io.qingliao.client.CallbackResult;
import io.qingliao.client.Callbacks;
import io.qingliao.client.CloseSocketOptions;
import io.qingliao.client.ConnectSocketOptions;
import io.qingliao.client.SendSocketMessageOptions;
import io.qingliao.client.SocketFaults;
import io.qingliao.client.SocketTask;
import io.qingliao.client.Wx;
import io.qingliao.client.WxMessages;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;

/** The runtime behind {@link Wx}: sockets, the legacy slots, the background state. */
public final class RealWx {
  private static final AtomicInteger RUNTIMES = new AtomicInteger();

  final WxMessages messages;
  final int backgroundCloseCode;
  final boolean backgroundCloseFrame;
  final CallbackThread callbacks;
  final LegacySlots legacy = new LegacySlots();
  final Object lock = new Object();

  private final Duration connectTimeout;
  private final Duration backgroundDelay;
  private final OkHttpClients okHttp;
  private final AtomicInteger taskIds = new AtomicInteger();

  // Guarded by lock.
  private final Set<RealSocketTask> live = new LinkedHashSet<>();
  private final Set<RealSocketTask> withSocket = new LinkedHashSet<>();
  private RealSocketTask current;
  private boolean hidden;
  private boolean suspended;
  private boolean closed;
  private ScheduledFuture<?> pendingCut;

  public RealWx(WxMessages messages, Duration connectTimeout, Duration backgroundDelay,
      int backgroundCloseCode, boolean backgroundCloseFrame) {
    String name = "Qingliao Wx " + RUNTIMES.incrementAndGet();
    this.messages = messages;
    this.connectTimeout = connectTimeout;
    this.backgroundDelay = backgroundDelay;
    this.backgroundCloseCode = backgroundCloseCode;
    this.backgroundCloseFrame = backgroundCloseFrame;
    this.callbacks = new CallbackThread(name + " callbacks");
    this.okHttp = new OkHttpClients(name);
    this.current = RealSocketTask.dead(this, 0);
  }

  public LegacySlots legacy() {
    return legacy;
  }

  public SocketTask connectSocket(ConnectSocketOptions options) {
    String url = options.url();
    String httpUrl = url == null ? null : toHttpUrl(url);
    RealSocketTask task;
    String failure;
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("Wx is closed");
      }
      int id = taskIds.incrementAndGet();
      if (suspended) {
        failure = messages.connectInterrupted();
      } else if (url == null || url.isBlank()) {
        failure = messages.connectUrlMissing();
      } else if (httpUrl == null) {
        failure = messages.connectUrlMalformed();
      } else if (live.size() >= Wx.MAX_SOCKETS) {
        failure = messages.connectMaxConnected();
      } else {
        failure = null;
      }
      if (failure != null) {
        report(options.callbacks(), false, failure);
        return RealSocketTask.dead(this, id);
      }
      task = new RealSocketTask(this, id);
      live.add(task);
      withSocket.add(task);
      current = task;
      report(options.callbacks(), true, messages.connectOk());
    }
    Duration timeout = options.timeout() != null ? options.timeout() : connectTimeout;
    OkHttpClient client = okHttp.forSocket(timeout, options.tcpNoDelay(),
        options.perMessageDeflate());
    task.start(client, request(httpUrl, options), timeout);
    return task;
  }

  public void sendSocketMessage(SendSocketMessageOptions options) {
    RealSocketTask task;
    synchronized (lock) {
      task = current;
    }
    task.send(options, true);
  }

  public void closeSocket(CloseSocketOptions options) {
    RealSocketTask task;
    synchronized (lock) {
      task = current;
    }
    task.close(options, true);
  }

  public void hide() {
    synchronized (lock) {
      if (hidden || closed) {
        return;
      }
      hidden = true;
      pendingCut = callbacks.schedule(this::suspend, backgroundDelay.toNanos());
    }
  }

  public void show() {
    synchronized (lock) {
      hidden = false;
      suspended = false;
      if (pendingCut != null) {
        pendingCut.cancel(false);
        pendingCut = null;
      }
    }
  }

  public boolean suspended() {
    synchronized (lock) {
      return suspended;
    }
  }

  public SocketFaults faults(SocketTask task) {
    if (!(task instanceof RealSocketTask real) || real.wx != this) {
      throw new IllegalArgumentException("not a task of this Wx: " + task);
    }
    return real;
  }

  public void close() {
    List<RealSocketTask> sockets;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      sockets = new ArrayList<>(withSocket);
      withSocket.clear();
      live.clear();
      if (pendingCut != null) {
        pendingCut.cancel(false);
      }
    }
    for (RealSocketTask task : sockets) {
      task.cancelSilently();
    }
    callbacks.shutdown();
    okHttp.shutdown();
  }

  /** The app has been hidden for the background delay: cut every socket. */
  private void suspend() {
    List<RealSocketTask> cut;
    synchronized (lock) {
      if (!hidden || closed) {
        return;
      }
      suspended = true;
      pendingCut = null;
      cut = new ArrayList<>(live);
    }
    for (RealSocketTask task : cut) {
      task.interrupt();
    }
  }

  // Called by tasks.

  boolean suspendedLocked() {
    return suspended;
  }

  boolean isCurrent(RealSocketTask task) {
    synchronized (lock) {
      return current == task;
    }
  }

  void taskClosedLocked(RealSocketTask task) {
    live.remove(task);
  }

  void socketGone(RealSocketTask task) {
    synchronized (lock) {
      withSocket.remove(task);
    }
  }

  /** Runs success or fail, then complete, on the callback thread. */
  void report(Callbacks callbacks, boolean ok, String errMsg) {
    CallbackResult result = new CallbackResult(errMsg);
    this.callbacks.post(() -> {
      CallbackThread.invoke(ok ? callbacks.success() : callbacks.fail(), result);
      CallbackThread.invoke(callbacks.complete(), result);
    });
  }

  /** The http(s) form OkHttp parses, or null unless {@code url} is a well-formed ws(s) url. */
  static String toHttpUrl(String url) {
    String lower = url.toLowerCase(Locale.ROOT);
    String http;
    if (lower.startsWith("ws://")) {
      http = "http://" + url.substring(5);
    } else if (lower.startsWith("wss://")) {
      http = "https://" + url.substring(6);
    } else {
      return null;
    }
    return HttpUrl.parse(http) == null ? null : http;
  }

  private static Request request(String httpUrl, ConnectSocketOptions options) {
    Request.Builder b = new Request.Builder().url(httpUrl);
    options.header().forEach((name, value) -> {
      if (!name.equalsIgnoreCase("Referer")) {
        b.header(name, value);
      }
    });
    if (!options.protocols().isEmpty()) {
      b.header("Sec-WebSocket-Protocol", String.join(", ", options.protocols()));
    }
    return b.build();
  }
}
