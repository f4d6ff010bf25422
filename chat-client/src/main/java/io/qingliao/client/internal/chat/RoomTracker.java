package io.qingliao.client.internal.chat;

import io.qingliao.core.ChatMessage;
import io.qingliao.core.RoomName;
import io.qingliao.core.ServerEvent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rooms a client is in, in join order (the last is current), with the last seq delivered in
 * each: what makes delivery exactly-once and in order across reconnects. Not thread-safe: the
 * client guards it with its lock.
 */
final class RoomTracker {
  /** A room's seqs {@code from..to} (inclusive) that will not be delivered; {@code null} if none. */
  record Missed(RoomName room, long from, long to) {}

  /** What to deliver for a {@code joined}: replayed messages, after a notice of missed ones. */
  record Replay(List<ChatMessage> messages, Missed missed) {}

  /** Whether to deliver a live chat message, and what was skipped before it. */
  record Live(boolean deliver, Missed missed) {}

  private final LinkedHashMap<RoomName, Long> lastSeq = new LinkedHashMap<>();

  /**
   * Applies a {@code joined}. {@code since} is the seq the join asked to resume after, or null.
   * When the join resumes (a since, or a room already tracked), history messages above the last
   * delivered seq are returned for delivery; otherwise the history is backlog and the room
   * starts at the joined seq. A joined seq below the resume point means the room's history was
   * reset (a server without durable store restarted): the room restarts at that seq.
   */
  Replay onJoined(ServerEvent.Joined joined, Long since) {
    RoomName room = joined.room();
    Long known = lastSeq.remove(room);
    Long from = known;
    if (since != null) {
      from = known == null ? since : Long.valueOf(Math.max(known, since));
    }
    if (from == null || joined.seq() < from) {
      lastSeq.put(room, joined.seq());
      return new Replay(List.of(), null);
    }
    List<ChatMessage> replay = new ArrayList<>();
    long last = from;
    Missed missed = null;
    for (ChatMessage message : joined.history()) {
      if (message.seq() <= last) {
        continue;
      }
      if (replay.isEmpty() && message.seq() > last + 1) {
        missed = new Missed(room, last + 1, message.seq() - 1);
      }
      replay.add(message);
      last = message.seq();
    }
    if (joined.seq() > last && replay.isEmpty()) {
      missed = new Missed(room, last + 1, joined.seq());
    }
    lastSeq.put(room, Math.max(last, joined.seq()));
    return new Replay(List.copyOf(replay), missed);
  }

  /** Applies a live {@code chat}: duplicates (seq at or below the last delivered) are refused. */
  Live onChat(ChatMessage message) {
    Long last = lastSeq.get(message.room());
    if (last == null) {
      return new Live(true, null);
    }
    if (message.seq() <= last) {
      return new Live(false, null);
    }
    lastSeq.put(message.room(), message.seq());
    Missed missed = message.seq() > last + 1 ? new Missed(message.room(), last + 1, message.seq() - 1) : null;
    return new Live(true, missed);
  }

  void remove(RoomName room) {
    lastSeq.remove(room);
  }

  boolean isEmpty() {
    return lastSeq.isEmpty();
  }

  /** The last delivered seq of {@code room}, or -1 when it is not tracked. */
  long lastSeq(RoomName room) {
    return lastSeq.getOrDefault(room, -1L);
  }

  /** Rooms and their last delivered seq, in join order. */
  List<Map.Entry<RoomName, Long>> entries() {
    List<Map.Entry<RoomName, Long>> result = new ArrayList<>();
    for (Map.Entry<RoomName, Long> entry : lastSeq.entrySet()) {
      result.add(Map.entry(entry.getKey(), entry.getValue()));
    }
    return result;
  }

  List<RoomName> rooms() {
    return List.copyOf(lastSeq.keySet());
  }
}
