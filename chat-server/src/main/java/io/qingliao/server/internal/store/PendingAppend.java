package io.qingliao.server.internal.store;

import io.qingliao.core.ChatMessage;
import java.util.concurrent.CompletableFuture;

/** A message with its seq, waiting in the writer's queue for the next group commit. */
record PendingAppend(ChatMessage message, RoomSequence sequence, int epoch, CompletableFuture<ChatMessage> future) {

  /** The marker {@code close()} queues last: the writer stops when it reaches it. */
  static final PendingAppend STOP = new PendingAppend(null, null, -1, null);
}
