package io.qingliao.client;

import io.qingliao.core.ServerEvent;
import java.time.Duration;

/**
 * Connection state changes of one {@link ChatClient}. Calls come one at a time, from the client's
 * socket or timer threads; do not block in them. {@link #onClosed} is the last call.
 */
public interface ConnectionListener {

  /**
   * The client is dialing the server. {@code attempt} is 0 for the client's first dial, then
   * counts the dials since the connection was last open (1 for the first redial after a drop).
   */
  default void onConnecting(ChatClient client, int attempt) {}

  /**
   * The server's {@code welcome} arrived: the client is {@link ConnectionState#OPEN}, the rooms
   * it was in are being resumed, and queued requests have been sent.
   */
  default void onOpen(ChatClient client, ServerEvent.Welcome welcome) {}

  /**
   * The connection failed or dropped; the client dials again after {@code delay}. {@code cause}
   * is the I/O failure, or a {@link ChatDisconnectedException} naming the close code.
   */
  default void onReconnecting(ChatClient client, Duration delay, Throwable cause) {}

  /**
   * The client is closed for good: {@code code} 1000 after {@link ChatClient#close()}, or the code
   * with which the server refused the client (4001 for a bad token; 403 when the handshake was
   * refused over HTTP). This is the last call.
   */
  default void onClosed(ChatClient client, int code, String reason) {}
}
