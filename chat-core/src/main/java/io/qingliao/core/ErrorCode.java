package io.qingliao.core;

import java.util.Optional;

/** The protocol's error codes, as sent in {@code error.code}. */
public enum ErrorCode {
  BAD_REQUEST("bad_request"),
  UNKNOWN_TYPE("unknown_type"),
  INVALID_ROOM("invalid_room"),
  INVALID_NICK("invalid_nick"),
  NOT_MEMBER("not_member"),
  TOO_LONG("too_long"),
  RATE_LIMITED("rate_limited"),
  NICK_TAKEN("nick_taken"),
  NO_SUCH_USER("no_such_user"),
  ROOM_LIMIT("room_limit"),
  /** The store or the broker cannot take writes right now; try again later. */
  SERVER_BUSY("server_busy"),
  /** An embedder's message filter refused the message. */
  REJECTED("rejected"),
  /**
   * The chat was stored and delivered, but the store could not confirm it reached the disk (an
   * fsync failed): no {@code ack} follows, and resending would show it twice.
   */
  STORE_UNCONFIRMED("store_unconfirmed");

  private final String wire;

  ErrorCode(String wire) {
    this.wire = wire;
  }

  /** The code whose wire form is {@code wire}, or empty for a code this version does not know. */
  public static Optional<ErrorCode> fromWire(String wire) {
    for (ErrorCode code : values()) {
      if (code.wire.equals(wire)) {
        return Optional.of(code);
      }
    }
    return Optional.empty();
  }

  /** The code as it appears on the wire. */
  public String wire() {
    return wire;
  }
}
