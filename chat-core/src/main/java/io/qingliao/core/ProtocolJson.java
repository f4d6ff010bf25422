package io.qingliao.core;

import com.google.gson.JsonObject;
import io.qingliao.core.internal.EventEncoder;

/** JSON of the protocol, for transports and the HTTP side. */
public final class ProtocolJson {
  private ProtocolJson() {}

  /** The {@code chat} event object of {@code m}, with {@code "type":"chat"}. */
  public static JsonObject chat(ChatMessage m) {
    JsonObject o = new JsonObject();
    o.addProperty("type", "chat");
    o.addProperty("id", m.id());
    o.addProperty("room", m.room().value());
    o.addProperty("seq", m.seq());
    o.addProperty("from", m.from());
    o.addProperty("text", m.text());
    o.addProperty("ts", m.ts());
    if (m.cid() != null) {
      o.addProperty("cid", m.cid());
    }
    return o;
  }

  /** The {@code error} event frame; {@code cid} may be null. */
  public static String error(ErrorCode code, String message, String cid) {
    return EventEncoder.encode(new ServerEvent.ErrorEvent(code, message == null ? code.wire() : message, cid));
  }
}
