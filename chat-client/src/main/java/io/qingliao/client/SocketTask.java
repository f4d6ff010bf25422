package io.qingliao.client;

import java.util.function.Consumer;

/**
 * One WebSocket, as returned by {@link Wx#connectSocket}: the mini-program's {@code SocketTask}.
 *
 * <p>Attach listeners right after {@code connectSocket} returns. Listeners accumulate (there is
 * no way to remove one, as in wx) and events are never replayed: an {@code onOpen} attached after
 * the socket opened never runs. Every listener runs on the {@link Wx}'s one callback thread.
 *
 * <p>The events of one task come in this order: at most one {@code onOpen}, any number of
 * {@code onMessage}, at most one {@code onError}, then exactly one {@code onClose}, which is the
 * last. A task whose {@code connectSocket} call failed has no events.
 */
public interface SocketTask {
  int CONNECTING = 0;
  int OPEN = 1;
  int CLOSING = 2;
  int CLOSED = 3;

  /** Sends a text or binary frame; only while {@link #OPEN}, otherwise {@code fail}. */
  void send(SendSocketMessageOptions options);

  /** Sends {@code text} in a text frame, without callbacks. */
  default void send(String text) {
    send(SendSocketMessageOptions.of(text));
  }

  /** Sends {@code bytes} in a binary frame, without callbacks. */
  default void send(byte[] bytes) {
    send(SendSocketMessageOptions.of(bytes));
  }

  /** Starts the closing handshake; {@code closeSocket:ok} at once, {@code onClose} later. */
  void close(CloseSocketOptions options);

  /** Closes with code 1000, no reason, no callbacks. */
  default void close() {
    close(CloseSocketOptions.defaults());
  }

  /** Runs with the handshake response headers once the socket is open. */
  void onOpen(Consumer<OpenResult> listener);

  /** Runs for every incoming frame, text as {@link String}, binary as {@code byte[]}. */
  void onMessage(Consumer<MessageResult> listener);

  /** Runs at most once, when the connection fails; {@code onClose} follows. */
  void onError(Consumer<ErrorResult> listener);

  /** Runs once, last: the server's code and reason, 1006 after a failure. */
  void onClose(Consumer<CloseResult> listener);

  /**
   * {@link #CONNECTING}, {@link #OPEN}, {@link #CLOSING} or {@link #CLOSED}, as the undocumented
   * {@code readyState} field real clients expose. It changes on the callback thread just before
   * the matching event runs, and to {@code CLOSING} within {@link #close}.
   */
  int readyState();
}
