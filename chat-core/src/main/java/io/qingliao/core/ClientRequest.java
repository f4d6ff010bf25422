package io.qingliao.core;

import java.util.Objects;

/**
 * A request from a client, as {@link ProtocolCodec} decodes it from a text frame. Every request
 * may carry a {@code cid} (at most 64 chars, or null) that the server copies into its reply.
 * Optional fields are {@code null} when the client left them out.
 */
public sealed interface ClientRequest {
  /** Longest {@code cid} the protocol accepts, in chars. */
  int MAX_CID_LENGTH = 64;

  /** The client id to copy into the reply, or null. */
  String cid();

  /** The request's {@code type} as it appears on the wire. */
  String type();

  /** {@code chat}: {@code room} null means the current room. */
  record Chat(String text, RoomName room, String cid) implements ClientRequest {
    public Chat {
      Objects.requireNonNull(text, "text");
      checkCid(cid);
    }

    @Override
    public String type() {
      return "chat";
    }
  }

  /** {@code join}: {@code since} null means "the newest history". */
  record Join(RoomName room, Long since, String cid) implements ClientRequest {
    public Join {
      Objects.requireNonNull(room, "room");
      if (since != null && since < 0) {
        throw new IllegalArgumentException("since must be >= 0");
      }
      checkCid(cid);
    }

    @Override
    public String type() {
      return "join";
    }
  }

  /** {@code leave}: {@code room} null means the current room. */
  record Leave(RoomName room, String cid) implements ClientRequest {
    public Leave {
      checkCid(cid);
    }

    @Override
    public String type() {
      return "leave";
    }
  }

  /**
   * {@code history}: {@code room} null means the current room; {@code before} null means the
   * newest; {@code limit} is 1..100 (50 when the client gave none).
   */
  record History(RoomName room, Long before, int limit, String cid) implements ClientRequest {
    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 100;

    public History {
      if (before != null && before < 0) {
        throw new IllegalArgumentException("before must be >= 0");
      }
      if (limit < 1 || limit > MAX_LIMIT) {
        throw new IllegalArgumentException("limit must be 1..100");
      }
      checkCid(cid);
    }

    @Override
    public String type() {
      return "history";
    }
  }

  /** {@code members}: {@code room} null means the current room. */
  record Members(RoomName room, String cid) implements ClientRequest {
    public Members {
      checkCid(cid);
    }

    @Override
    public String type() {
      return "members";
    }
  }

  /** {@code nick}: change the session's nick. */
  record NickChange(Nick nick, String cid) implements ClientRequest {
    public NickChange {
      Objects.requireNonNull(nick, "nick");
      checkCid(cid);
    }

    @Override
    public String type() {
      return "nick";
    }
  }

  /** {@code dm}: a direct message to every live session of {@code to}. */
  record Dm(Nick to, String text, String cid) implements ClientRequest {
    public Dm {
      Objects.requireNonNull(to, "to");
      Objects.requireNonNull(text, "text");
      checkCid(cid);
    }

    @Override
    public String type() {
      return "dm";
    }
  }

  /** {@code ping}: the application heartbeat. */
  record Ping(String cid) implements ClientRequest {
    public Ping {
      checkCid(cid);
    }

    @Override
    public String type() {
      return "ping";
    }
  }

  private static void checkCid(String cid) {
    if (cid != null && cid.length() > MAX_CID_LENGTH) {
      throw new IllegalArgumentException("cid longer than 64 chars");
    }
  }
}
