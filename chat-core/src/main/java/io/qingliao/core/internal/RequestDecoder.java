package io.qingliao.core.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.qingliao.core.ClientRequest;
import io.qingliao.core.Decoded;
import io.qingliao.core.ErrorCode;
import io.qingliao.core.ProtocolError;
import io.qingliao.core.internal.Fields.FieldException;

/** Client text frame to {@link ClientRequest}, or the protocol error to answer. Never throws. */
public final class RequestDecoder {
  private RequestDecoder() {}

  public static Decoded<ClientRequest> decode(String frame, int maxTextCodePoints) {
    if (frame == null) {
      return Decoded.fail(new ProtocolError(ErrorCode.BAD_REQUEST, "empty frame", null));
    }
    if (!startsWithBrace(frame)) {
      ProtocolError textError = TextRules.check(frame, maxTextCodePoints);
      return textError != null ? Decoded.fail(textError) : Decoded.ok(new ClientRequest.Chat(frame, null, null));
    }
    JsonObject object;
    try {
      object = BoundedJsonReader.readObject(frame, BoundedJsonReader.MAX_REQUEST_VALUES);
    } catch (MalformedFrameException e) {
      return Decoded.fail(new ProtocolError(ErrorCode.BAD_REQUEST, e.getMessage(), e.cid()));
    }
    JsonElement cidElement = object.get("cid");
    String cid = null;
    if (cidElement != null && !cidElement.isJsonNull()) {
      if (!Fields.isString(cidElement)) {
        return Decoded.fail(new ProtocolError(ErrorCode.BAD_REQUEST, "'cid' must be a string", null));
      }
      cid = cidElement.getAsString();
      if (cid.length() > ClientRequest.MAX_CID_LENGTH) {
        return Decoded.fail(new ProtocolError(ErrorCode.BAD_REQUEST, "'cid' is longer than 64 chars", null));
      }
    }
    try {
      return Decoded.ok(decodeTyped(new Fields(object), cid, maxTextCodePoints));
    } catch (FieldException e) {
      return Decoded.fail(new ProtocolError(e.code, e.getMessage(), cid));
    }
  }

  private static ClientRequest decodeTyped(Fields f, String cid, int maxText) throws FieldException {
    JsonElement typeElement = f.object().get("type");
    if (typeElement == null || typeElement.isJsonNull()) {
      throw new FieldException(ErrorCode.BAD_REQUEST, "'type' is required");
    }
    if (!Fields.isString(typeElement)) {
      throw new FieldException(ErrorCode.BAD_REQUEST, "'type' must be a string");
    }
    String type = typeElement.getAsString();
    switch (type) {
      case "chat":
        return new ClientRequest.Chat(text(f, maxText), f.optRoom("room"), cid);
      case "join":
        return new ClientRequest.Join(f.room("room"), f.optNonNegative("since"), cid);
      case "leave":
        return new ClientRequest.Leave(f.optRoom("room"), cid);
      case "history": {
        Long limit = f.optLong("limit");
        if (limit != null && (limit < 1 || limit > ClientRequest.History.MAX_LIMIT)) {
          throw new FieldException(ErrorCode.BAD_REQUEST, "'limit' must be 1..100");
        }
        int pageSize = limit == null ? ClientRequest.History.DEFAULT_LIMIT : limit.intValue();
        return new ClientRequest.History(f.optRoom("room"), f.optNonNegative("before"), pageSize, cid);
      }
      case "members":
        return new ClientRequest.Members(f.optRoom("room"), cid);
      case "nick":
        return new ClientRequest.NickChange(f.nick("nick"), cid);
      case "dm": {
        // The target is checked before the text, so a dm to an impossible nick says so.
        var to = f.nick("to");
        return new ClientRequest.Dm(to, text(f, maxText), cid);
      }
      case "ping":
        return new ClientRequest.Ping(cid);
      default:
        throw new FieldException(ErrorCode.UNKNOWN_TYPE, "unknown type: " + abbreviate(type));
    }
  }

  private static String text(Fields f, int maxText) throws FieldException {
    String text = f.string("text");
    ProtocolError error = TextRules.check(text, maxText);
    if (error != null) {
      throw new FieldException(error.code(), error.message());
    }
    return text;
  }

  /** The cid of {@code frame} if it has a readable one (for errors about frames not handled). */
  public static String cidOf(String frame, int maxTextCodePoints) {
    Decoded<ClientRequest> decoded = decode(frame, maxTextCodePoints);
    return decoded.isOk() ? decoded.value().cid() : decoded.error().cid();
  }

  /** True when the first non-white-space char of {@code frame} is '{'. */
  static boolean startsWithBrace(String frame) {
    for (int i = 0; i < frame.length(); i++) {
      char c = frame.charAt(i);
      if (!Character.isWhitespace(c) && !TextRules.isWhiteSpace(c)) {
        return c == '{';
      }
    }
    return false;
  }

  private static String abbreviate(String s) {
    return s.length() <= 32 ? s : s.substring(0, 32) + "…";
  }
}
