package io.qingliao.server.internal.ws;

import io.qingliao.server.Authenticator;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * What the WebSocket side needs to know, fixed before it starts.
 *
 * @param host address to bind
 * @param port port to bind, 0 for any free port
 * @param maxConnections live connections (handshakes included) past which new ones get HTTP 503
 * @param idleTimeout a connection that sends no data frame for this long is closed with 4000
 * @param maxFrameBytes largest message payload, after reassembling fragments (close 1009 above)
 * @param origins allowed {@code Origin} values, compared ignoring case; empty allows any
 * @param authenticator decides who may connect
 * @param tls TLS context for {@code wss://}, or null for plain {@code ws://}
 */
public record WsSettings(
    String host,
    int port,
    int maxConnections,
    Duration idleTimeout,
    int maxFrameBytes,
    List<String> origins,
    Authenticator authenticator,
    SSLContext tls) {

  public WsSettings {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    Objects.requireNonNull(authenticator, "authenticator");
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
    if (maxConnections < 1 || maxFrameBytes < 1) {
      throw new IllegalArgumentException("maxConnections and maxFrameBytes must be positive");
    }
    if (idleTimeout.isNegative() || idleTimeout.isZero()) {
      throw new IllegalArgumentException("idleTimeout must be positive");
    }
    origins = origins == null ? List.of()
        : origins.stream().map(WsSettings::normalizeOrigin).toList();
  }

  /** True when a handshake with this {@code Origin} header (null when absent) may proceed. */
  boolean originAllowed(String origin) {
    // Like Centrifugo and gorilla/websocket: a client that sends no Origin is not a browser, and
    // the check exists to stop other web sites from using a visitor's browser.
    if (origins.isEmpty() || origin == null) {
      return true;
    }
    return origins.contains(normalizeOrigin(origin));
  }

  private static String normalizeOrigin(String origin) {
    String trimmed = origin.trim().toLowerCase(Locale.ROOT);
    return trimmed.endsWith("/") ? trimmed.substring(0, trimmed.length() - 1) : trimmed;
  }
}
