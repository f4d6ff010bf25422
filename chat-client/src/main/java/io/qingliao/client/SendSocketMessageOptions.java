package io.qingliao.client;

import java.util.function.Consumer;

/**
 * The object given to {@code SocketTask.send} and {@code wx.sendSocketMessage}: {@code data}
 * (a {@link String} for a text frame, a {@code byte[]} for a binary frame, standing in for
 * {@code ArrayBuffer}) and the usual callbacks.
 *
 * <pre>{@code
 * task.send(SendSocketMessageOptions.builder()
 *     .data("hello")
 *     .fail(r -> log.warn(r.errMsg()))
 *     .build());
 * task.send("hello");   // the same without callbacks
 * }</pre>
 *
 * <p>{@code sendSocketMessage:ok} means the frame was handed to the socket, not that it
 * arrived. Without data the call reaches {@code fail}.
 */
public final class SendSocketMessageOptions {
  private final Object data;
  private final Callbacks callbacks;

  private SendSocketMessageOptions(Builder b) {
    this.data = b.data;
    this.callbacks = new Callbacks(b.success, b.fail, b.complete);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A text frame without callbacks. */
  public static SendSocketMessageOptions of(String text) {
    return builder().data(text).build();
  }

  /** A binary frame without callbacks. */
  public static SendSocketMessageOptions of(byte[] bytes) {
    return builder().data(bytes).build();
  }

  /** A {@link String}, a {@code byte[]} (a private copy), or null if none was given. */
  public Object data() {
    return data instanceof byte[] b ? b.clone() : data;
  }

  public Callbacks callbacks() {
    return callbacks;
  }

  public static final class Builder {
    private Object data;
    private Consumer<CallbackResult> success;
    private Consumer<CallbackResult> fail;
    private Consumer<CallbackResult> complete;

    private Builder() {
    }

    /** Sends {@code text} in a text frame. */
    public Builder data(String text) {
      this.data = text;
      return this;
    }

    /** Sends a copy of {@code bytes} in a binary frame. */
    public Builder data(byte[] bytes) {
      this.data = bytes == null ? null : bytes.clone();
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

    public SendSocketMessageOptions build() {
      return new SendSocketMessageOptions(this);
    }
  }
}
