package io.qingliao.client;

/** Where a {@link ChatClient}'s connection stands. The only way out of {@link #CLOSED} is none. */
public enum ConnectionState {
  /** The first connection attempt is under way; no {@code welcome} yet. */
  CONNECTING,
  /** A {@code welcome} arrived on the current socket: requests go straight out. */
  OPEN,
  /** The connection dropped; the client waits out its backoff or is dialing again. */
  RECONNECTING,
  /** {@link ChatClient#close()} was called, or the server refused the client for good. */
  CLOSED
}
