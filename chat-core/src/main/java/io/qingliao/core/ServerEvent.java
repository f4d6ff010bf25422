package io.qingliao.core;

import java.util.List;
import java.util.Objects;

/**
 * An event from the server to a client, as {@link ProtocolCodec} encodes and decodes it. A
 * {@code cid} is null when there is none to echo; it is then left out of the JSON.
 */
public sealed interface ServerEvent {

  /** The event's {@code type} as it appears on the wire. */
  String type();

  /** {@code welcome}, the first frame of every JSON session. */
  record Welcome(String session, String nick, int heartbeat, String server) implements ServerEvent {
    public Welcome {
      Objects.requireNonNull(session, "session");
      Objects.requireNonNull(nick, "nick");
      Objects.requireNonNull(server, "server");
    }

    @Override
    public String type() {
      return "welcome";
    }
  }

  /** {@code joined}: the reply to a join, with the history the client should show. */
  record Joined(RoomName room, List<String> members, long seq, List<ChatMessage> history, boolean truncated,
      String cid) implements ServerEvent {
    public Joined {
      Objects.requireNonNull(room, "room");
      members = List.copyOf(members);
      history = List.copyOf(history);
    }

    @Override
    public String type() {
      return "joined";
    }
  }

  /** {@code chat}: one stored message of a room. */
  record ChatEvent(ChatMessage message) implements ServerEvent {
    public ChatEvent {
      Objects.requireNonNull(message, "message");
    }

    @Override
    public String type() {
      return "chat";
    }
  }

  /** {@code system}: someone joined, left or changed nick; {@code old} is set for nick only. */
  record SystemEvent(RoomName room, SystemKind event, String nick, String old, String text, int members, long ts)
      implements ServerEvent {
    public SystemEvent {
      Objects.requireNonNull(room, "room");
      Objects.requireNonNull(event, "event");
      Objects.requireNonNull(nick, "nick");
      Objects.requireNonNull(text, "text");
    }

    @Override
    public String type() {
      return "system";
    }
  }

  /** What a {@link SystemEvent} reports, with its wire name. */
  enum SystemKind {
    JOIN("join"),
    LEAVE("leave"),
    NICK("nick");

    private final String wire;

    SystemKind(String wire) {
      this.wire = wire;
    }

    public String wire() {
      return wire;
    }
  }

  /**
   * {@code ack}: a chat or dm was stored or delivered. For a dm, {@code room} is null and
   * {@code seq} is 0; both are then left out of the JSON.
   */
  record Ack(String cid, String id, RoomName room, long seq, long ts) implements ServerEvent {
    public Ack {
      Objects.requireNonNull(id, "id");
    }

    @Override
    public String type() {
      return "ack";
    }
  }

  /** {@code left}: the reply to a leave. */
  record Left(RoomName room, String cid) implements ServerEvent {
    public Left {
      Objects.requireNonNull(room, "room");
    }

    @Override
    public String type() {
      return "left";
    }
  }

  /** {@code nick}: the reply to a nick change, with the new nick. */
  record NickChanged(String nick, String cid) implements ServerEvent {
    public NickChanged {
      Objects.requireNonNull(nick, "nick");
    }

    @Override
    public String type() {
      return "nick";
    }
  }

  /** {@code history}: a page of messages, ascending by seq. */
  record HistoryPage(RoomName room, List<ChatMessage> messages, String cid) implements ServerEvent {
    public HistoryPage {
      Objects.requireNonNull(room, "room");
      messages = List.copyOf(messages);
    }

    @Override
    public String type() {
      return "history";
    }
  }

  /** {@code members}: the nicks of a room's live members, in join order. */
  record MembersList(RoomName room, List<String> members, String cid) implements ServerEvent {
    public MembersList {
      Objects.requireNonNull(room, "room");
      members = List.copyOf(members);
    }

    @Override
    public String type() {
      return "members";
    }
  }

  /** {@code dm}: a direct message. */
  record DirectMessage(String id, String from, String to, String text, long ts) implements ServerEvent {
    public DirectMessage {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(to, "to");
      Objects.requireNonNull(text, "text");
    }

    @Override
    public String type() {
      return "dm";
    }
  }

  /** {@code pong}: the reply to a ping. */
  record Pong(String cid) implements ServerEvent {
    @Override
    public String type() {
      return "pong";
    }
  }

  /** {@code error}: a protocol error, with the cid of the request that caused it if known. */
  record ErrorEvent(ErrorCode code, String message, String cid) implements ServerEvent {
    public ErrorEvent {
      Objects.requireNonNull(code, "code");
      Objects.requireNonNull(message, "message");
    }

    @Override
    public String type() {
      return "error";
    }
  }
}
