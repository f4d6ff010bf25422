package io.qingliao.client;

import io.qingliao.client.internal.chat.ChatClientConfig;
import io.qingliao.client.internal.chat.RealChatClient;
import io.qingliao.core.Nick;
import io.qingliao.core.RoomName;
import io.qingliao.core.ServerEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Predicate;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;

/**
 * A typed client of the 轻聊 protocol (format {@code json}) on OkHttp, for bots, tests and
 * services. It connects at once, keeps the connection alive with the application heartbeat,
 * reconnects by itself with exponential backoff and jitter, and resumes every room it is in with
 * {@code since}, so that a {@link ChatListener} sees each chat message once, in seq order.
 *
 * <pre>{@code
 * ChatClient client = ChatClient.builder()
 *     .url("ws://localhost:8000")
 *     .nick("bot")
 *     .room("lobby")
 *     .listener(new ChatListener() { ... })
 *     .connect();
 * client.send("hello").join();   // completes with the server's ack
 * client.close();
 * }</pre>
 *
 * <p>Every request returns a future completed by its reply (matched by a generated {@code cid}),
 * failed with {@link ChatRejectedException} when the server answers with an {@code error}, with
 * {@link ChatDisconnectedException} when the connection drops after the request was written or
 * the client is closed, and with {@link java.util.concurrent.TimeoutException} after the request
 * timeout. Requests made while the client is not open are queued and sent, in order, once it is.
 * Invalid arguments (a bad room name or nick, empty text) throw {@link IllegalArgumentException}
 * at once. A future completes after the listeners have seen its reply (or the state change
 * that failed it), on the client's socket or timer thread: do not block there.
 */
public interface ChatClient extends AutoCloseable {

  static Builder builder() {
    return new Builder();
  }

  /** The connection's state now. */
  ConnectionState state();

  /**
   * Completed by the first {@code welcome}; failed with {@link ChatDisconnectedException} if the
   * client closes first. The {@code joined} of the URL room follows the welcome: to be sure the
   * client is in its room, await that {@link ServerEvent.Joined} (or make a request, which the
   * server answers after it).
   */
  CompletableFuture<ServerEvent.Welcome> opened();

  /** The nick the server gave this session, or the requested one before the first welcome. */
  String nick();

  /** The rooms this client is in, in join order; the last is the current room. */
  List<RoomName> rooms();

  /** The last seq delivered in {@code room}, or -1 when the client is not in it or has seen none. */
  long lastSeq(String room);

  /** Sends {@code text} to the current room. */
  CompletableFuture<ServerEvent.Ack> send(String text);

  /** Sends {@code text} to {@code room}, which the client must be in. */
  CompletableFuture<ServerEvent.Ack> send(String room, String text);

  /** Joins {@code room} (or makes it current) and receives its newest history as backlog. */
  CompletableFuture<ServerEvent.Joined> join(String room);

  /** Joins {@code room} and has every message after {@code since} delivered as chat events. */
  CompletableFuture<ServerEvent.Joined> join(String room, long since);

  CompletableFuture<ServerEvent.Left> leave(String room);

  /** Up to {@code limit} (1..100) messages with seq below {@code before}; {@link Long#MAX_VALUE} for the newest. */
  CompletableFuture<ServerEvent.HistoryPage> history(String room, long before, int limit);

  CompletableFuture<ServerEvent.MembersList> members(String room);

  /** Changes nick; the new nick is also used when the client reconnects. */
  CompletableFuture<ServerEvent.NickChanged> nick(String newNick);

  /** A direct message to every live session of {@code to}; completes with the server's ack. */
  CompletableFuture<ServerEvent.Ack> dm(String to, String text);

  CompletableFuture<ServerEvent.Pong> ping();

  /** The newest events delivered to listeners (see {@link Builder#eventLogCapacity}). */
  ChatEventLog events();

  /** Test helper: {@code events().await(type, predicate, timeout)}. */
  default <T extends ServerEvent> T await(Class<T> type, Predicate<? super T> predicate, Duration timeout) {
    return events().await(type, predicate, timeout);
  }

  /** Test helper: {@code events().await(type, timeout)}, the oldest recorded event of {@code type}. */
  default <T extends ServerEvent> T await(Class<T> type, Duration timeout) {
    return events().await(type, timeout);
  }

  /**
   * Closes the connection with 1000, fails pending requests with
   * {@link ChatDisconnectedException}, stops reconnecting, and releases the threads the client
   * created: OkHttp's, unless an {@link Builder#okHttpClient} was given, and its timer, unless a
   * {@link Builder#scheduler} was given. Waits up to 2 s for the close handshake (not when
   * called from a listener). Calling it again does nothing.
   */
  @Override
  void close();

  /** Options of a {@link ChatClient}; {@link #url} is required. */
  final class Builder {
    private HttpUrl url;
    private String nick;
    private RoomName room = RoomName.LOBBY;
    private long since = -1;
    private String token;
    private OkHttpClient okHttpClient;
    private ScheduledExecutorService scheduler;
    private Duration heartbeat;
    private Duration backoffMin = Duration.ofMillis(500);
    private Duration backoffMax = Duration.ofSeconds(30);
    private Duration requestTimeout = Duration.ofSeconds(10);
    private Duration connectTimeout = Duration.ofSeconds(10);
    private int eventLogCapacity = 1000;
    private int maxQueuedRequests = 1000;
    private final List<ChatListener> listeners = new ArrayList<>();
    private final List<ConnectionListener> connectionListeners = new ArrayList<>();

    Builder() {}

    /** The server, as {@code ws://host:port/path} or {@code wss://...} ({@code http(s)://} also accepted). */
    public Builder url(String url) {
      Objects.requireNonNull(url, "url");
      String lower = url.toLowerCase(java.util.Locale.ROOT);
      String http = lower.startsWith("ws:") ? "http:" + url.substring(3)
          : lower.startsWith("wss:") ? "https:" + url.substring(4) : url;
      HttpUrl parsed = HttpUrl.parse(http);
      if (parsed == null) {
        throw new IllegalArgumentException("not a ws://, wss://, http:// or https:// URL: " + url);
      }
      this.url = parsed;
      return this;
    }

    /** The nick to ask for; null lets the server pick {@code guest-N}. */
    public Builder nick(String nick) {
      if (nick != null && !Nick.isValid(nick)) {
        throw new IllegalArgumentException("invalid nick: " + nick);
      }
      this.nick = nick;
      return this;
    }

    /** The room joined on connect ({@code lobby} by default). */
    public Builder room(String room) {
      this.room = new RoomName(room);
      return this;
    }

    /** The last seq the caller already saw in {@link #room}: the first connect replays what came after. */
    public Builder since(long since) {
      if (since < 0) {
        throw new IllegalArgumentException("since < 0: " + since);
      }
      this.since = since;
      return this;
    }

    /** The credential, sent as {@code Authorization: Bearer}. */
    public Builder token(String token) {
      this.token = token;
      return this;
    }

    /**
     * An OkHttp client to share with other clients (its dispatcher, connection pool and threads).
     * Each open ChatClient holds one of its dispatcher's running calls and one thread, so raise
     * {@code dispatcher().setMaxRequests} above the number of ChatClients (default 64). The caller
     * owns it: {@link ChatClient#close()} leaves it running.
     */
    public Builder okHttpClient(OkHttpClient client) {
      this.okHttpClient = Objects.requireNonNull(client, "client");
      return this;
    }

    /** A timer to share for heartbeats, backoff and request timeouts; the caller owns it. */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /** Ping interval; by default the {@code heartbeat} the server announces in {@code welcome}. */
    public Builder heartbeatInterval(Duration interval) {
      this.heartbeat = positive(interval, "heartbeat interval");
      return this;
    }

    /** Reconnect delays: doubling from {@code min} up to {@code max}, each with up to half of it as jitter. */
    public Builder reconnectBackoff(Duration min, Duration max) {
      positive(min, "min");
      positive(max, "max");
      if (max.compareTo(min) < 0) {
        throw new IllegalArgumentException("max < min");
      }
      this.backoffMin = min;
      this.backoffMax = max;
      return this;
    }

    /**
     * How long a dial may take, from the TCP connect to the server's {@code welcome} (10 s);
     * past it the client gives up on that socket and dials again after the backoff.
     */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout, "connect timeout");
      return this;
    }

    /** How long a request waits for its reply (10 s), queued time included. */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive(timeout, "request timeout");
      return this;
    }

    /** How many of the newest events {@link ChatClient#events()} keeps (1000; 0 keeps none). */
    public Builder eventLogCapacity(int capacity) {
      if (capacity < 0) {
        throw new IllegalArgumentException("capacity < 0");
      }
      this.eventLogCapacity = capacity;
      return this;
    }

    /** Most requests queued while not open (1000); more fail at once with {@link ChatDisconnectedException}. */
    public Builder maxQueuedRequests(int max) {
      if (max < 0) {
        throw new IllegalArgumentException("max < 0");
      }
      this.maxQueuedRequests = max;
      return this;
    }

    /** Adds a listener; listeners are called in the order added. */
    public Builder listener(ChatListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    public Builder connectionListener(ConnectionListener listener) {
      connectionListeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /** Starts connecting and returns at once; see {@link ChatClient#opened()}. */
    public ChatClient connect() {
      if (url == null) {
        throw new IllegalStateException("url is required");
      }
      ChatClientConfig config = new ChatClientConfig(url, nick, room, since, token, okHttpClient, scheduler,
          heartbeat, backoffMin, backoffMax, connectTimeout, requestTimeout, eventLogCapacity, maxQueuedRequests,
          listeners, connectionListeners);
      return RealChatClient.connect(config);
    }

    private static Duration positive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isZero() || d.isNegative()) {
        throw new IllegalArgumentException(name + " must be positive");
      }
      return d;
    }
  }
}
