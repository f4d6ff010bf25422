package io.qingliao.server.internal.ws;

import io.qingliao.core.OutputFormat;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * What a client asked for in its handshake: the URL query ({@code nick}, {@code room},
 * {@code since}, {@code format}, {@code token}) and the headers we look at. Values are raw
 * strings; the hub validates them and answers bad ones on the wire.
 *
 * @param token from {@code ?token=}, else from {@code Authorization: Bearer}, else null
 * @param origin the {@code Origin} header, or null
 */
record HandshakeRequest(String nick, String room, String since, OutputFormat format, String token, String origin) {

  private static final String BEARER = "bearer ";

  /**
   * Parses a request target such as {@code /ws?nick=%E5%B0%8F&room=lobby}. Any path is accepted.
   * Query values are percent-decoded as UTF-8, {@code +} meaning a space (as browsers'
   * {@code URLSearchParams} read it); the first occurrence of a name wins.
   *
   * @param header header value by name, "" or null when absent
   */
  static HandshakeRequest parse(String resource, Function<String, String> header) {
    Map<String, String> query = query(resource);
    String token = blankToNull(query.get("token"));
    if (token == null) {
      String authorization = blankToNull(header.apply("Authorization"));
      if (authorization != null && authorization.toLowerCase(Locale.ROOT).startsWith(BEARER)) {
        token = blankToNull(authorization.substring(BEARER.length()).trim());
      }
    }
    return new HandshakeRequest(
        blankToNull(query.get("nick")),
        blankToNull(query.get("room")),
        blankToNull(query.get("since")),
        OutputFormat.fromQuery(query.get("format")),
        token,
        blankToNull(header.apply("Origin")));
  }

  static Map<String, String> query(String resource) {
    Map<String, String> values = new HashMap<>();
    if (resource == null) {
      return values;
    }
    int start = resource.indexOf('?');
    if (start < 0) {
      return values;
    }
    int end = resource.indexOf('#', start);
    String query = resource.substring(start + 1, end < 0 ? resource.length() : end);
    for (String pair : query.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = decode(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      values.putIfAbsent(name, value);
    }
    return values;
  }

  /**
   * Percent-decodes {@code s} as UTF-8. A malformed escape or invalid UTF-8 leaves {@code s} as
   * it came, so that the hub's own validation answers it.
   */
  static String decode(String s) {
    if (s.indexOf('%') < 0 && s.indexOf('+') < 0) {
      return s;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '+') {
        bytes.write(' ');
      } else if (c == '%') {
        if (i + 2 >= s.length()) {
          return s;
        }
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          return s;
        }
        bytes.write(hi << 4 | lo);
        i += 2;
      } else {
        byte[] utf8 = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        if (Character.isHighSurrogate(c) && i + 1 < s.length()) {
          utf8 = s.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
          i++;
        }
        bytes.writeBytes(utf8);
      }
    }
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      return s;
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
