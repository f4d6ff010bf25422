package io.qingliao.client;

import io.qingliao.core.RoomName;
import io.qingliao.core.ServerEvent;

/**
 * What a {@link ChatClient} receives from the server. Calls come one at a time and in the order
 * the server sent them, from the client's socket thread; do not block in them (replies to a
 * request made here cannot arrive while this thread is busy).
 *
 * <p>Chat messages are delivered once per room and in {@code seq} order, across reconnects:
 * after a reconnect the client resumes each room with {@code since} = the last seq it delivered,
 * and the replayed messages arrive as {@link ServerEvent.ChatEvent}s, duplicates dropped. The
 * {@code history} of a {@link ServerEvent.Joined} that was not a resume (a first join, or
 * {@code join(room)} without {@code since}) is backlog and is not repeated as chat events.
 */
public interface ChatListener {

  /**
   * Every event the server sent on the current socket, in order, including the direct replies
   * to requests ({@code ack}, {@code pong}, ...) and {@code error}s; duplicate chat messages are
   * left out and replayed ones are added, as described above.
   */
  default void onEvent(ChatClient client, ServerEvent event) {}

  /**
   * Messages {@code fromSeq..toSeq} (inclusive) of {@code room} will never be delivered: the
   * server's replay after a reconnect was {@code truncated} (more were missed than its replay
   * cap), or live messages skipped a seq. Use {@link ChatClient#history} to page them in.
   */
  default void onMessagesMissed(ChatClient client, RoomName room, long fromSeq, long toSeq) {}

  /** A binary frame relayed by another member of the current room. */
  default void onBinary(ChatClient client, byte[] data) {}
}
