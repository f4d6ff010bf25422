package io.qingliao.core;

import java.util.Objects;

/** A protocol error as an exception, for the few API calls that return futures or values. */
public class ProtocolException extends RuntimeException {
  private final ErrorCode code;

  public ProtocolException(ErrorCode code, String message) {
    super(message);
    this.code = Objects.requireNonNull(code, "code");
  }

  public ErrorCode code() {
    return code;
  }
}
