package io.qingliao.server;

import io.qingliao.core.ClusterBroker;
import io.qingliao.core.Hub;
import io.qingliao.core.HubConfig;
import io.qingliao.core.HubListener;
import io.qingliao.core.InMemoryMessageStore;
import io.qingliao.core.MessageFilter;
import io.qingliao.core.MessageStore;
import io.qingliao.server.internal.http.HttpFrontend;
import io.qingliao.server.internal.metrics.ServerMetrics;
import io.qingliao.server.internal.redis.RedisClusterBroker;
import io.qingliao.server.internal.redis.RedisSettings;
import io.qingliao.server.internal.ws.WebSocketFrontend;
import io.qingliao.server.internal.ws.WsSettings;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The 轻聊 server: a {@link Hub} on WebSocket, an HTTP side, and a message store.
 *
 * <pre>{@code
 * ChatServer server = ChatServer.builder().wsPort(0).httpPort(0).memoryStore().build().start();
 * System.out.println("ws://localhost:" + server.wsPort());
 * ...
 * server.close();
 * }</pre>
 *
 * <p>A server starts once. {@link #stop} stops accepting, closes every client with 1001, stops
 * the HTTP side, and flushes and closes the store; stopping again does nothing.
 */
public final class ChatServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ChatServer.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

  private final Builder options;
  private final MessageStore store;
  private final Hub hub;
  private final ServerMetrics metrics;
  private final WebSocketFrontend websocket;
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean stopped = new AtomicBoolean();
  private volatile HttpFrontend http;

  private ChatServer(Builder options) {
    this.options = options;
    // With a cluster engine the broker is the store: any store option is ignored.
    ClusterBroker cluster = options.clusterFactory == null ? null : options.clusterFactory.get();
    this.store = cluster != null ? cluster.store() : options.storeFactory.get();
    AtomicReference<Hub> hubRef = new AtomicReference<>();
    this.metrics = new ServerMetrics(hubRef::get);
    Hub.Builder hubBuilder = Hub.builder()
        .store(store)
        .config(options.hubConfig())
        .filter(options.filter)
        .listener(metrics);
    options.listeners.forEach(hubBuilder::listener);
    if (cluster != null) {
      hubBuilder.cluster(cluster);
    }
    this.hub = hubBuilder.build();
    hubRef.set(hub);
    this.websocket = new WebSocketFrontend(
        new WsSettings(options.host, options.wsPort, options.maxConnections, options.idleTimeout,
            options.maxFrameBytes, options.origins, options.authenticator, options.tls),
        hub, metrics);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Binds the WebSocket port, then the HTTP port (unless disabled), and returns once both listen.
   *
   * @throws java.io.UncheckedIOException when a port cannot be bound (nothing is left running)
   * @throws IllegalStateException when called twice
   */
  public ChatServer start() {
    if (!started.compareAndSet(false, true) || stopped.get()) {
      throw new IllegalStateException("a ChatServer starts once");
    }
    try {
      websocket.startAndAwait(START_TIMEOUT);
      log.info("Qingliao WebSocket listening on {}://{}:{}", options.tls == null ? "ws" : "wss",
          options.host, websocket.getPort());
      if (options.httpPort >= 0) {
        http = HttpFrontend.start(new InetSocketAddress(options.host, options.httpPort), options.tls,
            hub, metrics, options.adminToken);
        log.info("Qingliao HTTP listening on {}://{}:{}", options.tls == null ? "http" : "https",
            options.host, http.port());
      }
    } catch (RuntimeException e) {
      log.error("Qingliao failed to start", e);
      stop(Duration.ofSeconds(2));
      throw e;
    }
    return this;
  }

  /** The bound WebSocket port (the real one when built with port 0). */
  public int wsPort() {
    return websocket.getPort();
  }

  /** The bound HTTP port, or -1 when the HTTP side is disabled or not started. */
  public int httpPort() {
    HttpFrontend h = http;
    return h == null ? -1 : h.port();
  }

  public Hub hub() {
    return hub;
  }

  /**
   * Stops accepting, closes every client with 1001 (waiting up to {@code timeout} for them), stops
   * the HTTP side, then flushes and closes the store. A second call does nothing.
   */
  public void stop(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (!stopped.compareAndSet(false, true)) {
      return;
    }
    boolean wasStarted = started.get();
    runQuietly("WebSocket side", () -> websocket.shutdown(timeout));
    HttpFrontend h = http;
    if (h != null) {
      runQuietly("HTTP side", h::stop);
    }
    runQuietly("hub", hub::close);
    runQuietly("store", store::close);
    if (wasStarted) {
      log.info("Qingliao stopped");
    }
  }

  /** {@code stop(5 s)}. */
  @Override
  public void close() {
    stop(Duration.ofSeconds(5));
  }

  private static void runQuietly(String what, Runnable action) {
    try {
      action.run();
    } catch (RuntimeException e) {
      log.error("error while stopping the {}", what, e);
    }
  }

  /** Options of a {@link ChatServer}; every setting has the protocol's default. */
  public static final class Builder {
    private String host = "0.0.0.0";
    private int wsPort = 8000;
    private int httpPort = 3000;
    private Supplier<MessageStore> storeFactory = () -> SqliteMessageStore.open(Path.of("data"));
    private String adminToken;
    private Authenticator authenticator = Authenticator.anonymous();
    private List<String> origins = List.of();
    private int maxConnections = 10_000;
    private Duration idleTimeout = Duration.ofSeconds(60);
    private Double rateLimit;
    private int maxFrameBytes = 65_536;
    private Long slowConsumerBytes;
    private SSLContext tls;
    private HubConfig hubConfig = HubConfig.defaults();
    private MessageFilter filter = MessageFilter.ACCEPT_ALL;
    private final List<HubListener> listeners = new ArrayList<>();
    /** Set by {@link #redis}: connects when the server is built. */
    private Supplier<ClusterBroker> clusterFactory;

    private Builder() {}

    /** Address to bind both ports to ({@code 0.0.0.0}). */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /** WebSocket port (8000); 0 picks a free port. */
    public Builder wsPort(int port) {
      this.wsPort = checkPort(port, false);
      return this;
    }

    /** HTTP port (3000); 0 picks a free port; -1 disables the HTTP side. */
    public Builder httpPort(int port) {
      this.httpPort = checkPort(port, true);
      return this;
    }

    /** An explicit store, closed by {@link ChatServer#stop}. */
    public Builder store(MessageStore store) {
      Objects.requireNonNull(store, "store");
      this.storeFactory = () -> store;
      return this;
    }

    /**
     * Makes this server one node of a cluster: the broker (e.g. the Redis engine) sequences,
     * stores and fans out across nodes, and its store replaces any store set here.
     */
    public Builder cluster(ClusterBroker broker) {
      Objects.requireNonNull(broker, "broker");
      this.clusterFactory = () -> broker;
      return this;
    }

    /**
     * Makes this server one node of a cluster on Redis ({@code redis://host:port}): history,
     * presence, nicks and fan-out are shared by every node on that Redis and key prefix
     * ({@code qingliao}); see docs/redis-engine.md. Replaces any store set here. Connects when the
     * server is built ({@code StoreUnavailableException} if Redis cannot be reached).
     */
    public Builder redis(String redisUrl) {
      return redis(RedisSettings.defaults(Objects.requireNonNull(redisUrl, "redisUrl")));
    }

    /** {@link #redis(String)} with every setting of the Redis engine (Main's {@code --redis-*}). */
    Builder redis(RedisSettings settings) {
      Objects.requireNonNull(settings, "settings");
      this.clusterFactory = () -> RedisClusterBroker.connect(settings);
      return this;
    }

    /** Keeps history in memory only (the newest 10,000 messages of each room). */
    public Builder memoryStore() {
      this.storeFactory = () -> new InMemoryMessageStore(10_000);
      return this;
    }

    /** SQLite history in {@code dataDir/qingliao.db}; the default is {@code ./data}. */
    public Builder sqliteStore(Path dataDir) {
      Objects.requireNonNull(dataDir, "dataDir");
      this.storeFactory = () -> SqliteMessageStore.open(dataDir);
      return this;
    }

    /** Token required for HTTP writes; null leaves them open. */
    public Builder adminToken(String token) {
      this.adminToken = token;
      return this;
    }

    public Builder authenticator(Authenticator authenticator) {
      this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
      return this;
    }

    /** Allowed {@code Origin} values (such as {@code https://chat.example.com}); empty allows any. */
    public Builder origins(List<String> allowed) {
      this.origins = List.copyOf(allowed);
      return this;
    }

    public Builder maxConnections(int max) {
      if (max < 1) {
        throw new IllegalArgumentException("maxConnections must be positive: " + max);
      }
      this.maxConnections = max;
      return this;
    }

    /** A client that sends no frame for this long is closed with 4000 (60 s). */
    public Builder idleTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("idleTimeout must be positive: " + timeout);
      }
      this.idleTimeout = timeout;
      return this;
    }

    /** Frames per second per connection (20); the burst is twice that. */
    public Builder rateLimit(double framesPerSecond) {
      if (!(framesPerSecond > 0)) {
        throw new IllegalArgumentException("rateLimit must be positive: " + framesPerSecond);
      }
      this.rateLimit = framesPerSecond;
      return this;
    }

    /** Largest message a client may send, after reassembling fragments (65,536); above: close 1009. */
    public Builder maxFrameBytes(int bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxFrameBytes must be positive: " + bytes);
      }
      this.maxFrameBytes = bytes;
      return this;
    }

    /** Queued outbound bytes past which a client is closed with 4008 (1 MiB). */
    public Builder slowConsumerBytes(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("slowConsumerBytes must be positive: " + bytes);
      }
      this.slowConsumerBytes = bytes;
      return this;
    }

    /** Serves {@code wss://} and {@code https://} with this context. */
    public Builder tls(SSLContext context) {
      this.tls = context;
      return this;
    }

    /** Base hub limits; the rate limit, slow-consumer limit and idle timeout set here override its fields. */
    public Builder hubConfig(HubConfig config) {
      this.hubConfig = Objects.requireNonNull(config, "config");
      return this;
    }

    public Builder filter(MessageFilter filter) {
      this.filter = Objects.requireNonNull(filter, "filter");
      return this;
    }

    /** Adds a listener of hub events; may be called several times. */
    public Builder listener(HubListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    public ChatServer build() {
      return new ChatServer(this);
    }

    /** The hub's config: the base, with this builder's options over it; heartbeat = idle timeout / 2. */
    HubConfig hubConfig() {
      HubConfig config = hubConfig;
      if (rateLimit != null) {
        config = config.withRateLimitPerSecond(rateLimit);
      }
      if (slowConsumerBytes != null) {
        config = config.withSlowConsumerBytes(slowConsumerBytes);
      }
      return config.withHeartbeatSeconds((int) Math.max(1, idleTimeout.toSeconds() / 2));
    }

    private static int checkPort(int port, boolean mayDisable) {
      if (port > 65_535 || port < (mayDisable ? -1 : 0)) {
        throw new IllegalArgumentException("port out of range: " + port);
      }
      return port;
    }
  }
}
