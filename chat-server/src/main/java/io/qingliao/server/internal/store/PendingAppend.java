package io.qingliao.server.internal.store;

import io.qingliao.core.ChatMessage;
import java.util.concurrent.CompletableFuture;

/**
 * A message with its seq, waiting in the writer's queue for the next group commit; {@code
 * written} completes after the commit, {@code durable} after the WAL's fsync.
 */
record PendingAppend(ChatMessage message, RoomSequence sequence, int epoch, CompletableFuture<ChatMessage> written,
    CompletableFuture<ChatMessage> durable) {

  /** The marker {@code close()} queues last: the writer stops when it reaches it. */
  static final PendingAppend STOP = new PendingAppend(null, null, -1, null, null);

  /** Fails both stages (the durable one only follows a failed write). */
  void fail(Throwable failure) {
    written.completeExceptionally(failure);
    durable.completeExceptionally(failure);
  }
}
