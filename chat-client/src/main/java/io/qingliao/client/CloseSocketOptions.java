package io.qingliao.client;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * The object given to {@code SocketTask.close} and {@code wx.closeSocket}: {@code code}
 * (default 1000; only 1000 or 3000-4999 are accepted), {@code reason} (default empty, at most
 * 123 UTF-8 bytes) and the usual callbacks. Out-of-range values are not exceptions: as in the
 * mini-program they reach {@code fail}.
 *
 * <pre>{@code
 * task.close(CloseSocketOptions.builder().code(4000).reason("bye").build());
 * task.close();   // code 1000, no reason, no callbacks
 * }</pre>
 */
public final class CloseSocketOptions {
  /** The default close code. */
  public static final int NORMAL_CLOSURE = 1000;

  private static final CloseSocketOptions DEFAULTS = builder().build();

  private final int code;
  private final String reason;
  private final Callbacks callbacks;

  private CloseSocketOptions(Builder b) {
    this.code = b.code;
    this.reason = b.reason;
    this.callbacks = new Callbacks(b.success, b.fail, b.complete);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Code 1000, no reason, no callbacks. */
  public static CloseSocketOptions defaults() {
    return DEFAULTS;
  }

  public int code() {
    return code;
  }

  public String reason() {
    return reason;
  }

  public Callbacks callbacks() {
    return callbacks;
  }

  public static final class Builder {
    private int code = NORMAL_CLOSURE;
    private String reason = "";
    private Consumer<CallbackResult> success;
    private Consumer<CallbackResult> fail;
    private Consumer<CallbackResult> complete;

    private Builder() {
    }

    public Builder code(int code) {
      this.code = code;
      return this;
    }

    public Builder reason(String reason) {
      this.reason = Objects.requireNonNull(reason, "reason");
      return this;
    }

    public Builder success(Consumer<CallbackResult> success) {
      this.success = success;
      return this;
    }

    public Builder fail(Consumer<CallbackResult> fail) {
      this.fail = fail;
      return this;
    }

    public Builder complete(Consumer<CallbackResult> complete) {
      this.complete = complete;
      return this;
    }

    public CloseSocketOptions build() {
      return new CloseSocketOptions(this);
    }
  }
}
