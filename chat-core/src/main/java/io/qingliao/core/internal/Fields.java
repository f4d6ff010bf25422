package io.qingliao.core.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.qingliao.core.ErrorCode;
import io.qingliao.core.Nick;
import io.qingliao.core.RoomName;

/**
 * Typed access to the fields of a decoded frame. A field that is absent or JSON {@code null} is
 * "not given"; a field of the wrong type is {@code bad_request}.
 */
final class Fields {
  private final JsonObject object;

  Fields(JsonObject object) {
    this.object = object;
  }

  /** Thrown for a field the protocol does not accept; carries the code to answer. */
  static final class FieldException extends Exception {
    final ErrorCode code;

    FieldException(ErrorCode code, String message) {
      super(message, null, false, false);
      this.code = code;
    }
  }

  boolean has(String name) {
    JsonElement e = object.get(name);
    return e != null && !e.isJsonNull();
  }

  String optString(String name) throws FieldException {
    JsonElement e = object.get(name);
    if (e == null || e.isJsonNull()) {
      return null;
    }
    if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
      return e.getAsString();
    }
    throw new FieldException(ErrorCode.BAD_REQUEST, "'" + name + "' must be a string");
  }

  String string(String name) throws FieldException {
    String value = optString(name);
    if (value == null) {
      throw new FieldException(ErrorCode.BAD_REQUEST, "'" + name + "' is required");
    }
    return value;
  }

  Long optLong(String name) throws FieldException {
    JsonElement e = object.get(name);
    if (e == null || e.isJsonNull()) {
      return null;
    }
    if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
      return e.getAsLong();
    }
    throw new FieldException(ErrorCode.BAD_REQUEST, "'" + name + "' must be an integer");
  }

  long longValue(String name) throws FieldException {
    Long value = optLong(name);
    if (value == null) {
      throw new FieldException(ErrorCode.BAD_REQUEST, "'" + name + "' is required");
    }
    return value;
  }

  Long optNonNegative(String name) throws FieldException {
    Long value = optLong(name);
    if (value != null && value < 0) {
      throw new FieldException(ErrorCode.BAD_REQUEST, "'" + name + "' must be >= 0");
    }
    return value;
  }

  boolean optBoolean(String name) throws FieldException {
    JsonElement e = object.get(name);
    if (e == null || e.isJsonNull()) {
      return false;
    }
    if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean()) {
      return e.getAsBoolean();
    }
    throw new FieldException(ErrorCode.BAD_REQUEST, "'" + name + "' must be a boolean");
  }

  RoomName optRoom(String name) throws FieldException {
    String value = optString(name);
    if (value == null) {
      return null;
    }
    if (!RoomName.isValid(value)) {
      throw new FieldException(ErrorCode.INVALID_ROOM, "invalid room name");
    }
    return new RoomName(value);
  }

  RoomName room(String name) throws FieldException {
    RoomName room = optRoom(name);
    if (room == null) {
      throw new FieldException(ErrorCode.BAD_REQUEST, "'" + name + "' is required");
    }
    return room;
  }

  Nick nick(String name) throws FieldException {
    String value = string(name);
    if (!Nick.isValid(value)) {
      throw new FieldException(ErrorCode.INVALID_NICK, "invalid nick");
    }
    return new Nick(value);
  }

  JsonObject object() {
    return object;
  }

  static boolean isString(JsonElement e) {
    return e != null && e.isJsonPrimitive() && ((JsonPrimitive) e).isString();
  }
}
