package io.qingliao.core.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.qingliao.core.ChatMessage;
import io.qingliao.core.Decoded;
import io.qingliao.core.ErrorCode;
import io.qingliao.core.ProtocolError;
import io.qingliao.core.ServerEvent;
import io.qingliao.core.internal.Fields.FieldException;
import java.util.ArrayList;
import java.util.List;

/** Server text frame to {@link ServerEvent}, for the Java client. Never throws. */
public final class EventDecoder {
  private EventDecoder() {}

  public static Decoded<ServerEvent> decode(String frame) {
    if (frame == null || !RequestDecoder.startsWithBrace(frame)) {
      return Decoded.fail(new ProtocolError(ErrorCode.BAD_REQUEST, "frame is not a JSON object", null));
    }
    try {
      JsonObject object = BoundedJsonReader.readObject(frame, BoundedJsonReader.MAX_EVENT_VALUES);
      return Decoded.ok(decodeTyped(new Fields(object)));
    } catch (MalformedFrameException e) {
      return Decoded.fail(new ProtocolError(ErrorCode.BAD_REQUEST, e.getMessage(), null));
    } catch (FieldException e) {
      return Decoded.fail(new ProtocolError(e.code, e.getMessage(), null));
    } catch (IllegalArgumentException | NullPointerException e) {
      // A record's own checks refused a value (a negative seq, a missing field).
      return Decoded.fail(new ProtocolError(ErrorCode.BAD_REQUEST, "invalid event: " + e.getMessage(), null));
    }
  }

  private static ServerEvent decodeTyped(Fields f) throws FieldException {
    String type = f.string("type");
    String cid = f.optString("cid");
    switch (type) {
      case "welcome":
        return new ServerEvent.Welcome(f.string("session"), f.string("nick"), (int) f.longValue("heartbeat"),
            f.string("server"));
      case "joined":
        return new ServerEvent.Joined(f.room("room"), strings(f, "members"), f.longValue("seq"),
            chats(f, "history"), f.optBoolean("truncated"), cid);
      case "chat":
        return new ServerEvent.ChatEvent(chat(f));
      case "system":
        return new ServerEvent.SystemEvent(f.room("room"), systemKind(f.string("event")), f.string("nick"),
            f.optString("old"), f.string("text"), (int) f.longValue("members"), f.longValue("ts"));
      case "ack": {
        Long seq = f.optLong("seq");
        return new ServerEvent.Ack(cid, f.string("id"), f.optRoom("room"), seq == null ? 0 : seq, f.longValue("ts"));
      }
      case "left":
        return new ServerEvent.Left(f.room("room"), cid);
      case "nick":
        return new ServerEvent.NickChanged(f.string("nick"), cid);
      case "history":
        return new ServerEvent.HistoryPage(f.room("room"), chats(f, "messages"), cid);
      case "members":
        return new ServerEvent.MembersList(f.room("room"), strings(f, "members"), cid);
      case "dm":
        return new ServerEvent.DirectMessage(f.string("id"), f.string("from"), f.string("to"), f.string("text"),
            f.longValue("ts"));
      case "pong":
        return new ServerEvent.Pong(cid);
      case "error": {
        String code = f.string("code");
        ErrorCode errorCode = ErrorCode.fromWire(code)
            .orElseThrow(() -> new FieldException(ErrorCode.BAD_REQUEST, "unknown error code: " + code));
        return new ServerEvent.ErrorEvent(errorCode, f.string("message"), cid);
      }
      default:
        throw new FieldException(ErrorCode.UNKNOWN_TYPE, "unknown event type");
    }
  }

  private static ChatMessage chat(Fields f) throws FieldException {
    return new ChatMessage(f.string("id"), f.room("room"), f.longValue("seq"), f.string("from"), f.string("text"),
        f.longValue("ts"), f.optString("cid"));
  }

  private static ServerEvent.SystemKind systemKind(String wire) throws FieldException {
    for (ServerEvent.SystemKind kind : ServerEvent.SystemKind.values()) {
      if (kind.wire().equals(wire)) {
        return kind;
      }
    }
    throw new FieldException(ErrorCode.BAD_REQUEST, "unknown system event");
  }

  private static JsonArray array(Fields f, String name) throws FieldException {
    JsonElement e = f.object().get(name);
    if (e == null || !e.isJsonArray()) {
      throw new FieldException(ErrorCode.BAD_REQUEST, "'" + name + "' must be an array");
    }
    return e.getAsJsonArray();
  }

  private static List<String> strings(Fields f, String name) throws FieldException {
    List<String> out = new ArrayList<>();
    for (JsonElement e : array(f, name)) {
      if (!Fields.isString(e)) {
        throw new FieldException(ErrorCode.BAD_REQUEST, "'" + name + "' must hold strings");
      }
      out.add(e.getAsString());
    }
    return out;
  }

  private static List<ChatMessage> chats(Fields f, String name) throws FieldException {
    List<ChatMessage> out = new ArrayList<>();
    for (JsonElement e : array(f, name)) {
      if (!e.isJsonObject()) {
        throw new FieldException(ErrorCode.BAD_REQUEST, "'" + name + "' must hold chat objects");
      }
      out.add(chat(new Fields(e.getAsJsonObject())));
    }
    return out;
  }

}
