package io.qingliao.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bounded in-memory history: keeps the newest {@code maxPerRoom} messages of each room, in a
 * ring per room. Appends complete at once. Nothing survives a restart.
 */
public final class InMemoryMessageStore implements MessageStore {
  private final int maxPerRoom;
  private final ConcurrentHashMap<RoomName, Ring> rooms = new ConcurrentHashMap<>();

  public InMemoryMessageStore(int maxPerRoom) {
    if (maxPerRoom < 1) {
      throw new IllegalArgumentException("maxPerRoom must be >= 1");
    }
    this.maxPerRoom = maxPerRoom;
  }

  @Override
  public CompletableFuture<ChatMessage> append(MessageDraft draft) {
    Ring ring = rooms.computeIfAbsent(draft.room(), r -> new Ring(maxPerRoom));
    return CompletableFuture.completedFuture(ring.append(draft));
  }

  @Override
  public List<ChatMessage> readAfter(RoomName room, long afterSeq, int limit) {
    Ring ring = rooms.get(room);
    return ring == null || limit <= 0 ? List.of() : ring.readAfter(afterSeq, limit);
  }

  @Override
  public List<ChatMessage> readBefore(RoomName room, long beforeSeq, int limit) {
    Ring ring = rooms.get(room);
    return ring == null || limit <= 0 ? List.of() : ring.readBefore(beforeSeq, limit);
  }

  @Override
  public long latestSeq(RoomName room) {
    Ring ring = rooms.get(room);
    return ring == null ? 0 : ring.latestSeq();
  }

  @Override
  public List<RoomName> rooms() {
    List<RoomName> names = new ArrayList<>(rooms.keySet());
    Collections.sort(names);
    return List.copyOf(names);
  }

  @Override
  public void close() {}

  /** The newest messages of one room; seqs in the ring are contiguous, so reads are index arithmetic. */
  private static final class Ring {
    private final ChatMessage[] slots;
    private long latest;

    Ring(int capacity) {
      slots = new ChatMessage[capacity];
    }

    synchronized ChatMessage append(MessageDraft draft) {
      ChatMessage message = draft.withSeq(++latest);
      slots[(int) ((latest - 1) % slots.length)] = message;
      return message;
    }

    synchronized long latestSeq() {
      return latest;
    }

    private long oldest() {
      return Math.max(1, latest - slots.length + 1);
    }

    synchronized List<ChatMessage> readAfter(long afterSeq, int limit) {
      if (afterSeq >= latest) {
        return List.of();
      }
      long from = Math.max(afterSeq + 1, oldest());
      long to = Math.min(latest, from + limit - 1);
      return slice(from, to);
    }

    synchronized List<ChatMessage> readBefore(long beforeSeq, int limit) {
      if (beforeSeq <= 1) {
        return List.of();
      }
      long to = Math.min(latest, beforeSeq - 1);
      long from = Math.max(oldest(), to - limit + 1);
      return slice(from, to);
    }

    private List<ChatMessage> slice(long from, long to) {
      if (from > to) {
        return List.of();
      }
      List<ChatMessage> out = new ArrayList<>((int) (to - from + 1));
      for (long seq = from; seq <= to; seq++) {
        out.add(slots[(int) ((seq - 1) % slots.length)]);
      }
      return Collections.unmodifiableList(out);
    }
  }
}
