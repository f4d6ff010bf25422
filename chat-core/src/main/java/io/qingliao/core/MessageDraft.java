package io.qingliao.core;

import java.util.Objects;

/**
 * A chat message accepted by the hub but not yet stored: everything but its {@code seq}, which
 * the {@link MessageStore} assigns when it appends the draft.
 */
public record MessageDraft(String id, RoomName room, String from, String text, long ts, String cid) {
  public MessageDraft {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(room, "room");
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(text, "text");
  }

  /** The stored form of this draft, once the store has given it {@code seq}. */
  public ChatMessage withSeq(long seq) {
    return new ChatMessage(id, room, seq, from, text, ts, cid);
  }
}
