package io.qingliao.core;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A store whose appends get their seq at once but complete later, in a random order, on another
 * thread, like a durable store that groups commits. {@link #close} stops its thread.
 */
final class DelayedStore extends ForwardingStore {
  private final InMemoryMessageStore memory;
  private final ScheduledExecutorService completer = Executors.newScheduledThreadPool(2, r -> {
    Thread t = new Thread(r, "delayed-store");
    t.setDaemon(true);
    return t;
  });

  DelayedStore(InMemoryMessageStore memory) {
    super(memory);
    this.memory = memory;
  }

  @Override
  public CompletableFuture<ChatMessage> append(MessageDraft draft) {
    ChatMessage stored = memory.append(draft).join();
    CompletableFuture<ChatMessage> later = new CompletableFuture<>();
    completer.schedule(() -> later.complete(stored), ThreadLocalRandom.current().nextInt(300), TimeUnit.MICROSECONDS);
    return later;
  }

  @Override
  public void close() {
    completer.shutdownNow();
    try {
      completer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
