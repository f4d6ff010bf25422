package io.qingliao.core;

/**
 * Observes what the hub does, for metrics and embedders. Called on hub threads: implementations
 * must be fast, non-blocking and thread-safe. Exceptions thrown here are logged and ignored.
 */
public interface HubListener {
  default void sessionOpened(String sessionId, String nick) {}

  default void sessionClosed(String sessionId, String nick, int code) {}

  /** A chat message was stored and broadcast to {@code recipients} local sessions. */
  default void chatDelivered(ChatMessage message, int recipients) {}

  /** A text or binary frame arrived from a client. */
  default void frameReceived(String sessionId, int bytes) {}

  /** An {@code error} was sent to a client. */
  default void errorSent(String sessionId, ErrorCode code) {}

  /**
   * A store append took {@code nanos} from call to completion of its durable stage (see {@link
   * AppendStages}): what a sender's {@code ack} waits for.
   */
  default void storeAppendCompleted(long nanos, boolean ok) {}

  default void joined(RoomName room, String nick) {}

  default void left(RoomName room, String nick) {}

  /** A session was closed by the hub (rate limit, slow consumer). */
  default void sessionDropped(String sessionId, int code, String reason) {}
}
