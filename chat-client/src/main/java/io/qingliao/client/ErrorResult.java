package io.qingliao.client;

import java.util.Objects;

/**
 * What {@link SocketTask#onError} receives: {@code {errMsg}}, such as
 * {@code "connect response time out"} or {@code "abnormal closure"}. A task reports at most one.
 */
public record ErrorResult(String errMsg) {
  public ErrorResult {
    Objects.requireNonNull(errMsg, "errMsg");
  }
}
