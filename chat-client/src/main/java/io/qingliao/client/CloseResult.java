package io.qingliao.client;

import java.util.Objects;

/**
 * What {@link SocketTask#onClose} receives: {@code {code, reason}}. The server's close code is
 * passed through; {@code 1006} follows an abnormal drop, and the background cut reports the
 * reason {@code "interrupted"}.
 */
public record CloseResult(int code, String reason) {
  public CloseResult {
    Objects.requireNonNull(reason, "reason");
  }
}
