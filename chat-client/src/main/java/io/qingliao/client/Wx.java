package io.qingliao.client;

import io.qingliao.client.internal.wx.RealWx;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The mini-program's {@code wx} object, reduced to its WebSocket API, on OkHttp. One instance is
 * one mini-program runtime: it owns a callback thread (the mini-program's single JavaScript
 * thread), OkHttp's threads and connections, and at most five live sockets.
 *
 * <pre>{@code
 * try (Wx wx = Wx.create()) {
 *   SocketTask task = wx.connectSocket(ConnectSocketOptions.of("ws://localhost:8000/?nick=bot"));
 *   task.onOpen(r -> task.send("hello"));
 *   task.onMessage(r -> System.out.println(r.data()));
 *   task.onClose(r -> System.out.println("closed " + r.code()));
 * }
 * }</pre>
 *
 * <p>Calls never block and never report runtime trouble by throwing: {@code success},
 * {@code fail}, {@code complete} and the task's listeners run later, in order, on the callback
 * thread. Only programmer mistakes throw (a null argument, a call after {@link #close()}).
 *
 * <p>Beyond wx, a {@code Wx} is also a test double of the runtime: {@link #hide()} and
 * {@link #show()} move the app to the background and back, and {@link #faults(SocketTask)}
 * injects network faults into one socket.
 */
public final class Wx implements AutoCloseable {
  /** Live sockets allowed per runtime since base library 1.7.0. */
  public static final int MAX_SOCKETS = 5;

  private final RealWx real;
  private final Builder config;

  private Wx(Builder b) {
    this.config = b.copy();
    this.real = new RealWx(b.messages, b.connectTimeout, b.backgroundDelay, b.backgroundCloseCode,
        b.backgroundCloseFrame);
  }

  /** A runtime with the defaults. */
  public static Wx create() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this runtime's settings, for a second runtime that differs a little. */
  public Builder newBuilder() {
    return config.copy();
  }

  /** Opens a WebSocket. Returns the task at once; the outcome comes through its listeners. */
  public SocketTask connectSocket(ConnectSocketOptions options) {
    return real.connectSocket(Objects.requireNonNull(options, "options"));
  }

  /** Legacy: the one {@code onOpen} slot of the most recently created socket. */
  public void onSocketOpen(Consumer<OpenResult> listener) {
    real.legacy().onOpen(listener);
  }

  /** Legacy: the one {@code onMessage} slot of the most recently created socket. */
  public void onSocketMessage(Consumer<MessageResult> listener) {
    real.legacy().onMessage(listener);
  }

  /** Legacy: the one {@code onError} slot of the most recently created socket. */
  public void onSocketError(Consumer<ErrorResult> listener) {
    real.legacy().onError(listener);
  }

  /** Legacy: the one {@code onClose} slot of the most recently created socket. */
  public void onSocketClose(Consumer<CloseResult> listener) {
    real.legacy().onClose(listener);
  }

  /** Legacy: sends on the most recently created socket, which must be open. */
  public void sendSocketMessage(SendSocketMessageOptions options) {
    real.sendSocketMessage(Objects.requireNonNull(options, "options"));
  }

  /** Legacy: closes the most recently created socket, which must be open. */
  public void closeSocket(CloseSocketOptions options) {
    real.closeSocket(Objects.requireNonNull(options, "options"));
  }

  /**
   * The app goes to the background. After the background delay (5 s by default) every live
   * socket is cut with {@code onClose} reason {@code "interrupted"} and every socket call fails
   * with the interrupted message until {@link #show()}.
   */
  public void hide() {
    real.hide();
  }

  /** The app comes back to the foreground: socket calls work again. Cut sockets stay closed. */
  public void show() {
    real.show();
  }

  /** True while hidden and past the background delay. */
  public boolean suspended() {
    return real.suspended();
  }

  /** Fault injection for {@code task}, which must come from this runtime. */
  public SocketFaults faults(SocketTask task) {
    return real.faults(Objects.requireNonNull(task, "task"));
  }

  /**
   * Ends the runtime: cancels every socket without further callbacks, stops the callback
   * thread and releases OkHttp's threads and connections. Idempotent.
   */
  @Override
  public void close() {
    real.close();
  }

  public static final class Builder {
    private WxMessages messages = WxMessages.defaults();
    private Duration connectTimeout = Duration.ofSeconds(60);
    private Duration backgroundDelay = Duration.ofSeconds(5);
    private int backgroundCloseCode = 1000;
    private boolean backgroundCloseFrame = true;

    private Builder() {
    }

    /** The errMsg texts and close reasons. */
    public Builder messages(WxMessages messages) {
      this.messages = Objects.requireNonNull(messages, "messages");
      return this;
    }

    /**
     * The handshake timeout of a connectSocket call without {@code timeout}, as app.json's
     * {@code networkTimeout.connectSocket}. Default 60 s.
     */
    public Builder connectTimeout(Duration connectTimeout) {
      this.connectTimeout = positive(connectTimeout, "connectTimeout");
      return this;
    }

    /** How long the app may stay hidden before sockets are cut. Default 5 s. */
    public Builder backgroundDelay(Duration backgroundDelay) {
      Objects.requireNonNull(backgroundDelay, "backgroundDelay");
      if (backgroundDelay.isNegative()) {
        throw new IllegalArgumentException("backgroundDelay must not be negative");
      }
      this.backgroundDelay = backgroundDelay;
      return this;
    }

    /** The onClose code of the background cut: 1000 (default) or 0, both seen on phones. */
    public Builder backgroundCloseCode(int backgroundCloseCode) {
      this.backgroundCloseCode = backgroundCloseCode;
      return this;
    }

    /**
     * Whether the background cut sends the server a close frame (1000, "interrupted"), the
     * default, or drops the TCP connection silently as a frozen phone does.
     */
    public Builder backgroundCloseFrame(boolean backgroundCloseFrame) {
      this.backgroundCloseFrame = backgroundCloseFrame;
      return this;
    }

    public Wx build() {
      return new Wx(this);
    }

    private Builder copy() {
      Builder b = new Builder();
      b.messages = messages;
      b.connectTimeout = connectTimeout;
      b.backgroundDelay = backgroundDelay;
      b.backgroundCloseCode = backgroundCloseCode;
      b.backgroundCloseFrame = backgroundCloseFrame;
      return b;
    }

    private static Duration positive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive: " + d);
      }
      return d;
    }
  }
}
