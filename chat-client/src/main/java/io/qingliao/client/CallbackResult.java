package io.qingliao.client;

import java.util.Objects;

/**
 * What {@code success}, {@code fail} and {@code complete} receive: {@code {errMsg}}, such as
 * {@code "sendSocketMessage:ok"} or {@code "closeSocket:fail:taskID not exist"}.
 */
public record CallbackResult(String errMsg) {
  public CallbackResult {
    Objects.requireNonNull(errMsg, "errMsg");
  }

  /** True for an {@code <api>:ok} result. */
  public boolean ok() {
    return errMsg.endsWith(":ok");
  }
}
