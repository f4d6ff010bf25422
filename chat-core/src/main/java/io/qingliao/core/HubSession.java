package io.qingliao.core;

import java.nio.ByteBuffer;

/**
 * One session inside the hub, as returned by {@link Hub#open}. The transport calls these for
 * every event of its connection: frames of one connection in order (never concurrently for the
 * same session), {@link #onClose} once when the connection ends (further calls are ignored).
 */
public interface HubSession {

  /** The session id sent in {@code welcome.session}. */
  String id();

  /** The session's current nick. */
  String nick();

  /** A text frame from the client. Never throws; protocol errors are answered on the wire. */
  void onText(String frame);

  /** A binary frame from the client, relayed to the other members of its current room. */
  void onBinary(ByteBuffer data);

  /** The connection has ended; the session leaves its rooms. Idempotent. */
  void onClose(int code, String reason);
}
