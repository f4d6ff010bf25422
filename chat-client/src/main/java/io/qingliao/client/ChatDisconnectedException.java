package io.qingliao.client;

import java.io.IOException;

/**
 * A request's reply can no longer come: the connection dropped after the request was written
 * (the server may or may not have applied it), the server refused the client for good, or the
 * client was closed. {@link #code()} is the WebSocket close code when there was one, else -1.
 */
public final class ChatDisconnectedException extends IOException {
  private final int code;

  public ChatDisconnectedException(String message, int code, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  /** The WebSocket close code (for example 1001, 4001), or -1 when the socket just failed. */
  public int code() {
    return code;
  }
}
