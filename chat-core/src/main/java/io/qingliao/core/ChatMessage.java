package io.qingliao.core;

import java.util.Objects;

/**
 * One stored chat message of a room. {@code seq} is per room, starts at 1 and rises by exactly
 * one per stored message. {@code cid} is the sender's client id, or {@code null}.
 */
public record ChatMessage(String id, RoomName room, long seq, String from, String text, long ts, String cid) {
  public ChatMessage {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(room, "room");
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(text, "text");
    if (seq < 1) {
      throw new IllegalArgumentException("seq must be >= 1: " + seq);
    }
  }
}
