package io.qingliao.core;

/**
 * A store could not take or return data right now (disk full, database gone, Redis down). The
 * hub answers such a failure with the protocol error {@code server_busy}.
 */
public class StoreUnavailableException extends RuntimeException {
  public StoreUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }

  public StoreUnavailableException(String message) {
    super(message);
  }
}
