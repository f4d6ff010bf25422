package io.qingliao.core;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where chat history lives. The store is the sequencer: {@link #append} gives each draft the
 * next {@code seq} of its room.
 *
 * <p>Contract that the hub relies on:
 * <ul>
 *   <li>{@code append} assigns the seq synchronously, in call order per room, and never blocks
 *       on I/O: the returned future completes once the message is durable (for a durable
 *       store) — a store may group many appends into one commit.</li>
 *   <li>If an append fails (the future completes exceptionally, ideally with
 *       {@link StoreUnavailableException}), no later append of that room may complete
 *       successfully with a seq above the failed one until the store has re-based its counter;
 *       seqs the clients saw are never reused for a different message.</li>
 *   <li>Reads are safe from any thread and return immutable lists in ascending seq order.</li>
 *   <li>Futures are completed without holding a lock that {@code append} or the reads need:
 *       the hub delivers the message (and may read the store) on the completing thread.</li>
 *   <li>The hub calls {@link #appendStaged}: a store that can tell "safe against a process
 *       crash" from "on the disk" completes the first stage earlier, and the room sees the
 *       message before the disk has it; the sender's {@code ack} waits for the second.</li>
 * </ul>
 */
public interface MessageStore extends AutoCloseable {

  /**
   * Appends {@code draft} to its room with the next seq; completes with the stored message once
   * it is durable (the {@link AppendStages#durable} stage of {@link #appendStaged}).
   */
  CompletableFuture<ChatMessage> append(MessageDraft draft);

  /**
   * Appends like {@link #append} and reports both stages of the write (see {@link AppendStages}).
   * The default has one stage: {@code append}'s future twice.
   */
  default AppendStages appendStaged(MessageDraft draft) {
    return AppendStages.single(append(draft));
  }

  /** Up to {@code limit} messages of {@code room} with {@code seq > afterSeq}, the oldest first. */
  List<ChatMessage> readAfter(RoomName room, long afterSeq, int limit);

  /**
   * The newest {@code limit} messages of {@code room} with {@code seq < beforeSeq}, returned in
   * ascending order. {@code Long.MAX_VALUE} means "the newest".
   */
  List<ChatMessage> readBefore(RoomName room, long beforeSeq, int limit);

  /** The highest seq assigned in {@code room} so far, or 0. */
  long latestSeq(RoomName room);

  /** Every room that has at least one stored message. */
  List<RoomName> rooms();

  /** Flushes pending appends and releases resources. Idempotent. */
  @Override
  void close();
}
