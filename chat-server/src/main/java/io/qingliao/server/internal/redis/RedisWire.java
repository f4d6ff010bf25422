package io.qingliao.server.internal.redis;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.qingliao.core.ChatMessage;
import io.qingliao.core.MessageDraft;
import io.qingliao.core.RoomName;
import io.qingliao.core.ServerEvent;
import io.qingliao.core.ServerEvent.SystemKind;
import java.util.Locale;

/**
 * What the engine writes into Redis: a chat as compact JSON ({@code i} id, {@code f} from,
 * {@code t} text, {@code s} ts, {@code c} cid), the room and seq being the stream key and entry
 * id; and the messages on the channels: {@code cSEQ\nCHAT} (a chat), {@code nNODE\nNOTICE} (a
 * system notice of node NODE, with {@code v} the presence version it is about), {@code dDM} (a
 * direct message).
 */
final class RedisWire {
  private RedisWire() {}

  static String chat(MessageDraft draft) {
    JsonObject o = new JsonObject();
    o.addProperty("i", draft.id());
    o.addProperty("f", draft.from());
    o.addProperty("t", draft.text());
    o.addProperty("s", draft.ts());
    if (draft.cid() != null) {
      o.addProperty("c", draft.cid());
    }
    return o.toString();
  }

  static ChatMessage chat(RoomName room, long seq, String json) {
    JsonObject o = JsonParser.parseString(json).getAsJsonObject();
    return new ChatMessage(o.get("i").getAsString(), room, seq, o.get("f").getAsString(),
        o.get("t").getAsString(), o.get("s").getAsLong(), optional(o, "c"));
  }

  /** The seq of a stream entry id {@code SEQ-0}. */
  static long seqOfEntry(String entryId) {
    int dash = entryId.indexOf('-');
    return Long.parseLong(dash < 0 ? entryId : entryId.substring(0, dash));
  }

  static String notice(String node, ServerEvent.SystemEvent e, long version) {
    JsonObject o = new JsonObject();
    o.addProperty("v", version);
    o.addProperty("k", e.event().name());
    o.addProperty("n", e.nick());
    if (e.old() != null) {
      o.addProperty("o", e.old());
    }
    o.addProperty("x", e.text());
    o.addProperty("m", e.members());
    o.addProperty("s", e.ts());
    return "n" + node + "\n" + o;
  }

  static ServerEvent.SystemEvent notice(RoomName room, String json) {
    JsonObject o = JsonParser.parseString(json).getAsJsonObject();
    return new ServerEvent.SystemEvent(room, SystemKind.valueOf(o.get("k").getAsString().toUpperCase(Locale.ROOT)),
        o.get("n").getAsString(), optional(o, "o"), o.get("x").getAsString(), o.get("m").getAsInt(),
        o.get("s").getAsLong());
  }

  /** The presence version a notice is about (0 when absent). */
  static long noticeVersion(String json) {
    JsonElement v = JsonParser.parseString(json).getAsJsonObject().get("v");
    return v == null ? 0 : v.getAsLong();
  }

  static String dm(ServerEvent.DirectMessage dm) {
    JsonObject o = new JsonObject();
    o.addProperty("i", dm.id());
    o.addProperty("f", dm.from());
    o.addProperty("to", dm.to());
    o.addProperty("t", dm.text());
    o.addProperty("s", dm.ts());
    return o.toString();
  }

  static ServerEvent.DirectMessage dm(String json) {
    JsonObject o = JsonParser.parseString(json).getAsJsonObject();
    return new ServerEvent.DirectMessage(o.get("i").getAsString(), o.get("f").getAsString(),
        o.get("to").getAsString(), o.get("t").getAsString(), o.get("s").getAsLong());
  }

  private static String optional(JsonObject o, String field) {
    JsonElement e = o.get(field);
    return e == null || e.isJsonNull() ? null : e.getAsString();
  }
}
