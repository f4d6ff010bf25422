package io.qingliao.core;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A store that forwards to another, for tests that change one method. */
class ForwardingStore implements MessageStore {
  private final MessageStore delegate;

  ForwardingStore(MessageStore delegate) {
    this.delegate = delegate;
  }

  @Override
  public CompletableFuture<ChatMessage> append(MessageDraft draft) {
    return delegate.append(draft);
  }

  @Override
  public List<ChatMessage> readAfter(RoomName room, long afterSeq, int limit) {
    return delegate.readAfter(room, afterSeq, limit);
  }

  @Override
  public List<ChatMessage> readBefore(RoomName room, long beforeSeq, int limit) {
    return delegate.readBefore(room, beforeSeq, limit);
  }

  @Override
  public long latestSeq(RoomName room) {
    return delegate.latestSeq(room);
  }

  @Override
  public List<RoomName> rooms() {
    return delegate.rooms();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
