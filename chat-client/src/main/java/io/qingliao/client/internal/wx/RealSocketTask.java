package io.qingliao.client.internal.wx;

import io.qingliao.client.CloseResult;
import io.qingliao.client.CloseSocketOptions;
import io.qingliao.client.ErrorResult;
import io.qingliao.client.MessageResult;
import io.qingliao.client.OpenResult;
import io.qingliao.client.SendSocketMessageOptions;
import io.qingliao.client.SocketFaults;
import io.qingliao.client.SocketTask;
import io.qingliao.client.WxMessages;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Consumer;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.WebSocket;
import okio.ByteString;

/**
 * One socket: its state machine and its listeners.
 *
 * <p>OkHttp's events arrive on OkHttp's threads and are only queued there (see
 * {@link SocketEvents} and {@link Inbox}); every state change that a user can observe as an
 * event happens on the callback thread, just before the event's listeners run. Only
 * {@link #close} moves the state from a user's thread.
 */
final class RealSocketTask implements SocketTask, SocketFaults {
  private static final int MAX_REASON_BYTES = 123;

  final RealWx wx;
  private final int id;
  private final WxMessages messages;
  private final Inbox inbox;
  private final List<Consumer<OpenResult>> openListeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<MessageResult>> messageListeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<ErrorResult>> errorListeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<CloseResult>> closeListeners = new CopyOnWriteArrayList<>();

  // Written under wx.lock.
  private volatile int state;
  private boolean opened;
  private boolean errorReported;
  private boolean receivedClose;
  private int receivedCode;
  private String receivedReason = "";
  private WebSocket webSocket;
  private ScheduledFuture<?> timeout;

  RealSocketTask(RealWx wx, int id) {
    this.wx = wx;
    this.id = id;
    this.messages = wx.messages;
    this.inbox = new Inbox(wx.callbacks);
    this.state = CONNECTING;
  }

  /** The task a rejected connectSocket returns: closed from the start, with no events. */
  static RealSocketTask dead(RealWx wx, int id) {
    RealSocketTask task = new RealSocketTask(wx, id);
    task.state = CLOSED;
    return task;
  }

  void start(OkHttpClient client, Request request, Duration handshakeTimeout) {
    WebSocket ws = client.newWebSocket(request, new SocketEvents(this, inbox));
    boolean alreadyClosed;
    synchronized (wx.lock) {
      webSocket = ws;
      alreadyClosed = state == CLOSED; // cut by hide() or Wx.close() while we got here
      if (!alreadyClosed) {
        timeout = wx.callbacks.schedule(this::timedOut, handshakeTimeout.toNanos());
      }
    }
    if (alreadyClosed) {
      ws.cancel();
    }
  }

  // The wx API.

  @Override
  public void send(SendSocketMessageOptions options) {
    send(Objects.requireNonNull(options, "options"), false);
  }

  @Override
  public void close(CloseSocketOptions options) {
    close(Objects.requireNonNull(options, "options"), false);
  }

  @Override
  public void onOpen(Consumer<OpenResult> listener) {
    openListeners.add(Objects.requireNonNull(listener, "listener"));
  }

  @Override
  public void onMessage(Consumer<MessageResult> listener) {
    messageListeners.add(Objects.requireNonNull(listener, "listener"));
  }

  @Override
  public void onError(Consumer<ErrorResult> listener) {
    errorListeners.add(Objects.requireNonNull(listener, "listener"));
  }

  @Override
  public void onClose(Consumer<CloseResult> listener) {
    closeListeners.add(Objects.requireNonNull(listener, "listener"));
  }

  @Override
  public int readyState() {
    return state;
  }

  /** Task and legacy send; {@code legacy} calls need an open socket to say anything else. */
  void send(SendSocketMessageOptions options, boolean legacy) {
    Object data = options.data();
    String failure;
    WebSocket ws = null;
    synchronized (wx.lock) {
      if (data == null) {
        failure = messages.sendBadData();
      } else if (wx.suspendedLocked()) {
        failure = messages.sendInterrupted();
      } else if (legacy && state != OPEN) {
        failure = messages.sendNotConnected();
      } else if (state == CONNECTING) {
        failure = messages.sendConnecting();
      } else if (state != OPEN) {
        failure = messages.sendTaskGone();
      } else {
        failure = null;
        ws = webSocket;
      }
    }
    if (ws != null) {
      boolean queued = data instanceof String text
          ? ws.send(text)
          : ws.send(ByteString.of((byte[]) data));
      failure = queued ? null : messages.sendTaskGone();
    }
    wx.report(options.callbacks(), failure == null,
        failure == null ? messages.sendOk() : failure);
  }

  /** Task and legacy close; a legacy close before open does not close, as wx's samples say. */
  void close(CloseSocketOptions options, boolean legacy) {
    String failure;
    WebSocket ws = null;
    synchronized (wx.lock) {
      if (wx.suspendedLocked()) {
        failure = messages.closeInterrupted();
      } else if (legacy && state != OPEN) {
        failure = messages.closeNotConnected();
      } else if (state == CLOSING || state == CLOSED) {
        failure = messages.closeTaskGone();
      } else if (!validCloseCode(options.code())) {
        failure = messages.closeBadCode();
      } else if (options.reason().getBytes(StandardCharsets.UTF_8).length > MAX_REASON_BYTES) {
        failure = messages.closeReasonTooLong();
      } else {
        failure = null;
        state = CLOSING;
        ws = webSocket;
      }
    }
    if (ws != null) {
      ws.close(options.code(), options.reason().isEmpty() ? null : options.reason());
    }
    wx.report(options.callbacks(), failure == null,
        failure == null ? messages.closeOk() : failure);
  }

  static boolean validCloseCode(int code) {
    return code == 1000 || (code >= 3000 && code <= 4999);
  }

  // Faults.

  @Override
  public void dropConnection() {
    WebSocket ws;
    synchronized (wx.lock) {
      if (state == CLOSED) {
        return;
      }
      ws = webSocket;
    }
    if (ws != null) {
      ws.cancel();
    }
  }

  @Override
  public void delayIncoming(Duration delay) {
    Objects.requireNonNull(delay, "delay");
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay must not be negative: " + delay);
    }
    inbox.delay(delay.toNanos());
  }

  // Runtime events, on the callback thread.

  /** The background cut: closed at once with reason "interrupted". */
  void interrupt() {
    WebSocket ws;
    boolean sendCloseFrame;
    synchronized (wx.lock) {
      if (state == CLOSED) {
        return;
      }
      sendCloseFrame = wx.backgroundCloseFrame && opened;
      ws = webSocket;
    }
    if (sendCloseFrame) {
      ws.close(1000, messages.closeReasonInterrupted());
    } else if (ws != null) {
      ws.cancel();
    }
    finish(wx.backgroundCloseCode, messages.closeReasonInterrupted());
  }

  /** Wx.close(): end the socket with no more callbacks. */
  void cancelSilently() {
    WebSocket ws;
    synchronized (wx.lock) {
      state = CLOSED;
      ws = webSocket;
    }
    if (ws != null) {
      ws.cancel();
    }
  }

  private void timedOut() {
    WebSocket ws;
    synchronized (wx.lock) {
      if (state == CLOSED || opened) {
        return;
      }
      errorReported = true;
      ws = webSocket;
    }
    if (ws != null) {
      ws.cancel();
    }
    fireError(messages.errorTimeout());
    finish(1006, messages.closeReasonAbnormal());
  }

  void opened(Map<String, String> header) {
    synchronized (wx.lock) {
      if (state == CLOSED) {
        return;
      }
      opened = true;
      cancelTimeoutLocked();
      if (state != CONNECTING) {
        return; // closed by the user while connecting: the close frame follows the handshake
      }
      state = OPEN;
    }
    OpenResult result = new OpenResult(header);
    for (Consumer<OpenResult> listener : openListeners) {
      CallbackThread.invoke(listener, result);
    }
    if (wx.isCurrent(this)) {
      wx.legacy.fireOpen(result);
    }
  }

  void message(Object data) {
    if (state == CLOSED || !opened) {
      return;
    }
    MessageResult result = new MessageResult(data);
    for (Consumer<MessageResult> listener : messageListeners) {
      CallbackThread.invoke(listener, result);
    }
    if (wx.isCurrent(this)) {
      wx.legacy.fireMessage(result);
    }
  }

  void closing() {
    synchronized (wx.lock) {
      if (state == OPEN) {
        state = CLOSING;
      }
    }
  }

  void failed(Throwable t) {
    boolean clean;
    boolean report;
    String errMsg;
    synchronized (wx.lock) {
      if (state == CLOSED) {
        return;
      }
      clean = receivedClose;
      report = !clean && !errorReported;
      errorReported = true;
      errMsg = opened
          ? messages.errorAbnormalClosure()
          : messages.errorException(t.getMessage() != null ? t.getMessage() : t.toString());
    }
    if (clean) {
      // The server's close frame came, then the connection ended before ours went out.
      finish(receivedCode, receivedReason);
      return;
    }
    if (report) {
      fireError(errMsg);
    }
    finish(1006, messages.closeReasonAbnormal());
  }

  private void fireError(String errMsg) {
    ErrorResult result = new ErrorResult(errMsg);
    for (Consumer<ErrorResult> listener : errorListeners) {
      CallbackThread.invoke(listener, result);
    }
    if (wx.isCurrent(this)) {
      wx.legacy.fireError(result);
    }
  }

  /** The last event: CLOSED, out of the live count, onClose. */
  void finish(int code, String reason) {
    synchronized (wx.lock) {
      if (state == CLOSED) {
        return;
      }
      state = CLOSED;
      cancelTimeoutLocked();
      wx.taskClosedLocked(this);
    }
    CloseResult result = new CloseResult(code, reason);
    for (Consumer<CloseResult> listener : closeListeners) {
      CallbackThread.invoke(listener, result);
    }
    if (wx.isCurrent(this)) {
      wx.legacy.fireClose(result);
    }
  }

  private void cancelTimeoutLocked() {
    if (timeout != null) {
      timeout.cancel(false);
      timeout = null;
    }
  }

  /** OkHttp saw the server's close frame: remember it, in case the connection ends first. */
  void serverClosed(int code, String reason) {
    synchronized (wx.lock) {
      receivedClose = true;
      receivedCode = code;
      receivedReason = reason;
    }
  }

  void socketGone() {
    wx.socketGone(this);
  }

  @Override
  public String toString() {
    return "SocketTask#" + id + "[readyState=" + state + "]";
  }
}
