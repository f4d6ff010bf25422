package io.qingliao.server.internal.http;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Reading requests and writing answers on a JDK {@link HttpExchange}. */
final class Exchanges {
  static final String JSON = "application/json; charset=utf-8";
  /** Largest request body accepted (64 KiB), as the WebSocket frame limit. */
  static final int MAX_BODY_BYTES = 65_536;

  private Exchanges() {}

  static void sendJson(HttpExchange exchange, int status, JsonElement body) throws IOException {
    send(exchange, status, JSON, body.toString().getBytes(StandardCharsets.UTF_8));
  }

  static void sendError(HttpExchange exchange, HttpError error) throws IOException {
    JsonObject body = new JsonObject();
    body.addProperty("error", error.code());
    body.addProperty("message", error.getMessage());
    if (error.status() == 405) {
      exchange.getResponseHeaders().set("Allow", error.getMessage().substring("allowed: ".length()));
    }
    if (error.status() == 401) {
      exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
    }
    sendJson(exchange, error.status(), body);
  }

  /** Writes a complete answer with a known length; a HEAD request gets the headers only. */
  static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    if (exchange.getRequestMethod().equals("HEAD")) {
      exchange.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
      exchange.sendResponseHeaders(status, -1);
      return;
    }
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  /**
   * The request body, at most {@link #MAX_BODY_BYTES}: a larger {@code Content-Length} is refused
   * before reading, and a body without one is cut off when it goes past the limit.
   */
  static byte[] readBody(HttpExchange exchange) throws IOException {
    String declared = exchange.getRequestHeaders().getFirst("Content-Length");
    if (declared != null) {
      long length;
      try {
        length = Long.parseLong(declared.trim());
      } catch (NumberFormatException e) {
        throw HttpError.badRequest("invalid Content-Length");
      }
      if (length > MAX_BODY_BYTES) {
        throw tooLarge();
      }
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    try (InputStream in = exchange.getRequestBody()) {
      int n;
      while ((n = in.read(buffer)) != -1) {
        if (body.size() + n > MAX_BODY_BYTES) {
          throw tooLarge();
        }
        body.write(buffer, 0, n);
      }
    }
    return body.toByteArray();
  }

  private static HttpError tooLarge() {
    return new HttpError(413, "too_large", "request body is over " + MAX_BODY_BYTES + " bytes");
  }

  /**
   * Percent-decodes one path segment as UTF-8 ({@code +} stays a plus sign). Returns null when
   * the escapes are malformed or the bytes are not UTF-8.
   */
  static String decodeSegment(String raw) {
    ByteBuffer bytes = ByteBuffer.allocate(raw.length() * 3);
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        if (i + 2 >= raw.length()) {
          return null;
        }
        int hi = Character.digit(raw.charAt(i + 1), 16);
        int lo = Character.digit(raw.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          return null;
        }
        bytes.put((byte) (hi << 4 | lo));
        i += 2;
      } else if (c < 0x100) {
        // The request line arrives as ISO-8859-1: one char per byte of a raw UTF-8 path.
        bytes.put((byte) c);
      } else {
        int cp = raw.codePointAt(i);
        bytes.put(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
        i += Character.charCount(cp) - 1;
      }
    }
    bytes.flip();
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(bytes)
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  /** The query's parameters (first value wins); null when an escape is malformed. */
  static Map<String, String> query(String rawQuery) {
    Map<String, String> params = new HashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return params;
    }
    for (String pair : rawQuery.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = decodeSegment((eq < 0 ? pair : pair.substring(0, eq)).replace('+', ' '));
      String value = decodeSegment((eq < 0 ? "" : pair.substring(eq + 1)).replace('+', ' '));
      if (name == null || value == null) {
        return null;
      }
      params.putIfAbsent(name, value);
    }
    return params;
  }
}
