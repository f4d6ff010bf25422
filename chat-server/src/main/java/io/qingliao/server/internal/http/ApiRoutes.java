package io.qingliao.server.internal.http;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.sun.net.httpserver.HttpExchange;
import io.qingliao.core.ChatMessage;
import io.qingliao.core.ErrorCode;
import io.qingliao.core.Hub;
import io.qingliao.core.ProtocolException;
import io.qingliao.core.ProtocolJson;
import io.qingliao.core.RoomName;
import io.qingliao.core.RoomSummary;
import io.qingliao.core.StoreUnavailableException;
import io.qingliao.core.StoreUnconfirmedException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The REST routes under {@code /api/rooms}, as PROTOCOL.md's HTTP section lists them. Room names
 * in the path are percent-decoded UTF-8; the same rules as on the WebSocket apply.
 */
final class ApiRoutes {
  private static final int DEFAULT_LIMIT = 50;
  private static final int MAX_LIMIT = 100;
  private static final long PUBLISH_TIMEOUT_SECONDS = 10;
  /** The publisher's name when the body has no {@code from}. */
  static final String DEFAULT_FROM = "server";

  private final Hub hub;
  private final byte[] adminToken;

  ApiRoutes(Hub hub, String adminTokenOrNull) {
    this.hub = hub;
    this.adminToken = adminTokenOrNull == null ? null : adminTokenOrNull.getBytes(StandardCharsets.UTF_8);
  }

  /** Handles {@code /api/...}; {@code rawPath} is the request's undecoded path. */
  void handle(HttpExchange exchange, String rawPath) throws IOException {
    String method = exchange.getRequestMethod();
    String[] parts = rawPath.split("/", -1); // "", "api", "rooms", room, "messages"
    if (parts.length == 3 && parts[2].equals("rooms")) {
      requireGet(method);
      listRooms(exchange);
      return;
    }
    if (parts.length == 5 && parts[2].equals("rooms")) {
      RoomName room = room(parts[3]);
      switch (parts[4]) {
        case "messages":
          if (method.equals("POST")) {
            publish(exchange, room);
          } else if (isGet(method)) {
            history(exchange, room);
          } else {
            throw HttpError.methodNotAllowed("GET, HEAD, POST");
          }
          return;
        case "members":
          requireGet(method);
          members(exchange, room);
          return;
        default:
          break;
      }
    }
    throw HttpError.notFound("no such route: " + rawPath);
  }

  private void listRooms(HttpExchange exchange) throws IOException {
    JsonArray rooms = new JsonArray();
    for (RoomSummary summary : hub.rooms()) {
      rooms.add(summary(summary));
    }
    Exchanges.sendJson(exchange, 200, rooms);
  }

  private void history(HttpExchange exchange, RoomName room) throws IOException {
    Map<String, String> query = Exchanges.query(exchange.getRequestURI().getRawQuery());
    if (query == null) {
      throw HttpError.badRequest("malformed query");
    }
    long before = number(query.get("before"), Long.MAX_VALUE, 0, Long.MAX_VALUE, "before");
    int limit = (int) number(query.get("limit"), DEFAULT_LIMIT, 1, MAX_LIMIT, "limit");
    requireKnown(room);
    List<ChatMessage> messages = hub.history(room, before, limit);
    JsonArray array = new JsonArray();
    messages.forEach(m -> array.add(ProtocolJson.chat(m)));
    JsonObject body = new JsonObject();
    body.addProperty("room", room.value());
    body.add("messages", array);
    Exchanges.sendJson(exchange, 200, body);
  }

  private void members(HttpExchange exchange, RoomName room) throws IOException {
    requireKnown(room);
    JsonArray nicks = new JsonArray();
    hub.members(room).forEach(nicks::add);
    JsonObject body = new JsonObject();
    body.addProperty("room", room.value());
    body.add("members", nicks);
    Exchanges.sendJson(exchange, 200, body);
  }

  private void publish(HttpExchange exchange, RoomName room) throws IOException {
    requireAdmin(exchange);
    requireJson(exchange);
    JsonObject request = jsonObject(Exchanges.readBody(exchange));
    String from = string(request, "from", DEFAULT_FROM);
    String text = string(request, "text", null);
    if (text == null) {
      throw HttpError.badRequest("text is required");
    }
    ChatMessage stored;
    try {
      stored = hub.publish(room, from, text).get(PUBLISH_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw failure(e.getCause());
    } catch (TimeoutException e) {
      throw new HttpError(503, ErrorCode.SERVER_BUSY.wire(), "the store did not answer in time");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HttpError(503, ErrorCode.SERVER_BUSY.wire(), "interrupted");
    }
    Exchanges.sendJson(exchange, 201, ProtocolJson.chat(stored));
  }

  /**
   * Maps what the hub throws to an HTTP answer: protocol errors 400 (429), store trouble 503, a
   * message stored but not confirmed on disk 500.
   */
  static HttpError failure(Throwable cause) {
    if (cause instanceof ProtocolException protocol) {
      int status = protocol.code() == ErrorCode.RATE_LIMITED ? 429
          : protocol.code() == ErrorCode.SERVER_BUSY ? 503 : 400;
      return new HttpError(status, protocol.code().wire(), protocol.getMessage());
    }
    if (cause instanceof StoreUnavailableException) {
      return new HttpError(503, ErrorCode.SERVER_BUSY.wire(), "the message store is unavailable, try again later");
    }
    if (cause instanceof StoreUnconfirmedException) {
      // Stored and delivered, durability unknown: not a 503, which would invite a resend.
      return new HttpError(500, ErrorCode.STORE_UNCONFIRMED.wire(),
          "the message was delivered, but the store could not confirm it is on disk; do not resend it");
    }
    if (cause instanceof HttpError error) {
      return error;
    }
    return new HttpError(500, "internal_error", "internal error");
  }

  private void requireAdmin(HttpExchange exchange) {
    if (adminToken == null) {
      return;
    }
    String header = exchange.getRequestHeaders().getFirst("Authorization");
    String prefix = "bearer ";
    boolean ok = header != null && header.length() > prefix.length()
        && header.substring(0, prefix.length()).toLowerCase(Locale.ROOT).equals(prefix)
        && MessageDigest.isEqual(header.substring(prefix.length()).trim().getBytes(StandardCharsets.UTF_8), adminToken);
    if (!ok) {
      throw new HttpError(401, "unauthorized", "a valid admin token is required (Authorization: Bearer …)");
    }
  }

  private static void requireJson(HttpExchange exchange) {
    String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
    if (contentType == null) {
      throw new HttpError(415, "unsupported_media_type", "Content-Type must be application/json");
    }
    String[] parts = contentType.split(";");
    boolean json = parts[0].trim().equalsIgnoreCase("application/json");
    for (int i = 1; i < parts.length && json; i++) {
      String param = parts[i].trim().toLowerCase(Locale.ROOT);
      if (param.startsWith("charset=")) {
        String charset = param.substring("charset=".length()).replace("\"", "");
        json = charset.equals("utf-8") || charset.equals("utf8");
      }
    }
    if (!json) {
      throw new HttpError(415, "unsupported_media_type", "Content-Type must be application/json (UTF-8)");
    }
  }

  private void requireKnown(RoomName room) {
    if (hub.room(room).isEmpty()) {
      throw HttpError.notFound("no such room: " + room.value());
    }
  }

  private static void requireGet(String method) {
    if (!isGet(method)) {
      throw HttpError.methodNotAllowed("GET, HEAD");
    }
  }

  private static boolean isGet(String method) {
    return method.equals("GET") || method.equals("HEAD");
  }

  private static RoomName room(String rawSegment) {
    String name = Exchanges.decodeSegment(rawSegment);
    if (name == null || !RoomName.isValid(name)) {
      throw new HttpError(400, ErrorCode.INVALID_ROOM.wire(), "invalid room name");
    }
    return new RoomName(name);
  }

  private static long number(String value, long absent, long min, long max, String name) {
    if (value == null || value.isEmpty()) {
      return absent;
    }
    try {
      long parsed = Long.parseLong(value);
      if (parsed >= min && parsed <= max) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // Falls through to the error below.
    }
    throw HttpError.badRequest(name + " must be an integer in " + min + ".." + max);
  }

  private static JsonObject jsonObject(byte[] body) {
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(body))
          .toString();
    } catch (CharacterCodingException e) {
      throw HttpError.badRequest("body is not UTF-8");
    }
    try {
      JsonElement parsed = JsonParser.parseString(text);
      if (!parsed.isJsonObject()) {
        throw HttpError.badRequest("body must be a JSON object");
      }
      return parsed.getAsJsonObject();
    } catch (JsonParseException | IllegalStateException e) {
      throw HttpError.badRequest("malformed JSON");
    }
  }

  private static String string(JsonObject object, String field, String absent) {
    JsonElement value = object.get(field);
    if (value == null || value.isJsonNull()) {
      return absent;
    }
    if (value instanceof JsonPrimitive primitive && primitive.isString()) {
      return primitive.getAsString();
    }
    throw HttpError.badRequest(field + " must be a string");
  }

  private static JsonObject summary(RoomSummary summary) {
    JsonObject o = new JsonObject();
    o.addProperty("room", summary.room().value());
    o.addProperty("members", summary.members());
    o.addProperty("seq", summary.seq());
    return o;
  }
}
