package io.qingliao.core;

/**
 * A message was stored and delivered, but the store could not confirm that it reached the disk
 * (an fsync failed). It is in the history now; a crash of the machine may lose it. Resending it
 * would show it twice, so callers must not treat this like {@link StoreUnavailableException}.
 */
public class StoreUnconfirmedException extends RuntimeException {
  public StoreUnconfirmedException(String message, Throwable cause) {
    super(message, cause);
  }
}
