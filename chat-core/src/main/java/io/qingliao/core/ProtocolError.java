package io.qingliao.core;

import java.util.Objects;

/**
 * A protocol error as a value: what the codec returns for a frame it cannot accept, and what
 * the hub answers with an {@code error} event.
 *
 * @param cid the cid of the offending request, when it could be read; otherwise null
 */
public record ProtocolError(ErrorCode code, String message, String cid) {
  public ProtocolError {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
  }

  /** This error as the {@code error} event sent to a client. */
  public ServerEvent.ErrorEvent toEvent() {
    return new ServerEvent.ErrorEvent(code, message, cid);
  }
}
