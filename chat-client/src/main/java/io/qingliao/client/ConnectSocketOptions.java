package io.qingliao.client;

import io.qingliao.client.internal.wx.HeaderCheck;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The object given to {@code wx.connectSocket}. Build one with {@link #builder()}:
 *
 * <pre>{@code
 * SocketTask task = wx.connectSocket(ConnectSocketOptions.builder()
 *     .url("wss://chat.example.com/ws?room=lobby")
 *     .header("X-App", "demo")
 *     .protocols("chat")
 *     .success(r -> System.out.println(r.errMsg()))   // "connectSocket:ok"
 *     .build());
 * }</pre>
 *
 * <p>A missing or malformed {@code url} is not an exception: as in the mini-program, it reaches
 * {@code fail}. An invalid header name or value is a programmer mistake and throws at once.
 */
public final class ConnectSocketOptions {
  private final String url;
  private final Map<String, String> header;
  private final List<String> protocols;
  private final boolean tcpNoDelay;
  private final boolean perMessageDeflate;
  private final Duration timeout;
  private final Callbacks callbacks;

  private ConnectSocketOptions(Builder b) {
    this.url = b.url;
    this.header = Collections.unmodifiableMap(new LinkedHashMap<>(b.header));
    this.protocols = List.copyOf(b.protocols);
    this.tcpNoDelay = b.tcpNoDelay;
    this.perMessageDeflate = b.perMessageDeflate;
    this.timeout = b.timeout;
    this.callbacks = new Callbacks(b.success, b.fail, b.complete);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Options with only a url. */
  public static ConnectSocketOptions of(String url) {
    return builder().url(url).build();
  }

  /** The url, or null if none was given. */
  public String url() {
    return url;
  }

  /** Extra handshake headers, in the order given. */
  public Map<String, String> header() {
    return header;
  }

  public List<String> protocols() {
    return protocols;
  }

  public boolean tcpNoDelay() {
    return tcpNoDelay;
  }

  public boolean perMessageDeflate() {
    return perMessageDeflate;
  }

  /** The handshake timeout, or null for the {@link Wx}'s default (60 s unless configured). */
  public Duration timeout() {
    return timeout;
  }

  public Callbacks callbacks() {
    return callbacks;
  }

  public Builder newBuilder() {
    Builder b = new Builder();
    b.url = url;
    b.header.putAll(header);
    b.protocols.addAll(protocols);
    b.tcpNoDelay = tcpNoDelay;
    b.perMessageDeflate = perMessageDeflate;
    b.timeout = timeout;
    b.success = callbacks.success();
    b.fail = callbacks.fail();
    b.complete = callbacks.complete();
    return b;
  }

  public static final class Builder {
    private String url;
    private final Map<String, String> header = new LinkedHashMap<>();
    private final List<String> protocols = new ArrayList<>();
    private boolean tcpNoDelay;
    private boolean perMessageDeflate;
    private Duration timeout;
    private Consumer<CallbackResult> success;
    private Consumer<CallbackResult> fail;
    private Consumer<CallbackResult> complete;

    private Builder() {
    }

    /** A {@code ws://} or {@code wss://} url. Anything else reaches {@code fail}. */
    public Builder url(String url) {
      this.url = url;
      return this;
    }

    /**
     * Adds a handshake header, replacing one of the same name. {@code Referer} is accepted but
     * never sent: the mini-program runtime does not let pages set it.
     */
    public Builder header(String name, String value) {
      HeaderCheck.check(name, value);
      header.put(name, value);
      return this;
    }

    /** Adds every entry of {@code headers}, as {@link #header(String, String)} does. */
    public Builder header(Map<String, String> headers) {
      headers.forEach(this::header);
      return this;
    }

    /** Sub-protocols, sent as one {@code Sec-WebSocket-Protocol} header as Android does. */
    public Builder protocols(String... protocols) {
      return protocols(List.of(protocols));
    }

    public Builder protocols(List<String> protocols) {
      this.protocols.clear();
      this.protocols.addAll(protocols);
      return this;
    }

    public Builder tcpNoDelay(boolean tcpNoDelay) {
      this.tcpNoDelay = tcpNoDelay;
      return this;
    }

    /** Offers the permessage-deflate extension in the handshake. Off by default, as in wx. */
    public Builder perMessageDeflate(boolean perMessageDeflate) {
      this.perMessageDeflate = perMessageDeflate;
      return this;
    }

    /** The handshake timeout in milliseconds, as wx takes it. */
    public Builder timeout(long millis) {
      return timeout(Duration.ofMillis(millis));
    }

    public Builder timeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be positive: " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /** Runs with {@code connectSocket:ok} once the call is accepted, before the socket opens. */
    public Builder success(Consumer<CallbackResult> success) {
      this.success = success;
      return this;
    }

    public Builder fail(Consumer<CallbackResult> fail) {
      this.fail = fail;
      return this;
    }

    public Builder complete(Consumer<CallbackResult> complete) {
      this.complete = complete;
      return this;
    }

    public ConnectSocketOptions build() {
      return new ConnectSocketOptions(this);
    }
  }
}
