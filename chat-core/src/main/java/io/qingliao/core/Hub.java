package io.qingliao.core;

import io.qingliao.core.internal.RealHub;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The chat engine: rooms, sessions, nicks, history and every rule of the protocol, with no
 * network of its own. A transport hands it connections through {@link #open} and feeds it their
 * frames through the returned {@link HubSession}. Thread-safe; owns no threads.
 */
public final class Hub implements AutoCloseable {
  private final RealHub engine;

  private Hub(RealHub engine) {
    this.engine = engine;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Settings of a hub; each has the default named on its setter. */
  public static final class Builder {
    private MessageStore store;
    private ClusterBroker cluster;
    private HubConfig config = HubConfig.defaults();
    private Clock clock = Clock.systemUTC();
    private MessageFilter filter = MessageFilter.ACCEPT_ALL;
    private final List<HubListener> listeners = new ArrayList<>();

    private Builder() {}

    /** Default: {@code new InMemoryMessageStore(10_000)}. */
    public Builder store(MessageStore store) {
      this.store = Objects.requireNonNull(store, "store");
      return this;
    }

    /**
     * Makes this hub one node of a cluster: the broker sequences, stores and fans out across
     * nodes, and holds presence and nicks for all of them; its {@link ClusterBroker#store()}
     * replaces {@link #store}. Default: none, the hub is embedded (in-process fan-out).
     */
    public Builder cluster(ClusterBroker broker) {
      this.cluster = Objects.requireNonNull(broker, "broker");
      return this;
    }

    /** Default: {@link HubConfig#defaults()}. */
    public Builder config(HubConfig config) {
      this.config = Objects.requireNonNull(config, "config");
      return this;
    }

    /** Default: {@link Clock#systemUTC()}; used for timestamps and the rate limit. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Default: {@link MessageFilter#ACCEPT_ALL}. */
    public Builder filter(MessageFilter filter) {
      this.filter = Objects.requireNonNull(filter, "filter");
      return this;
    }

    /** Adds a listener; may be called several times. */
    public Builder listener(HubListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    public Hub build() {
      if (cluster != null) {
        return new Hub(new RealHub(cluster.store(), config, clock, filter, listeners, cluster));
      }
      MessageStore chosen = store != null ? store : new InMemoryMessageStore(10_000);
      return new Hub(new RealHub(chosen, config, clock, filter, listeners));
    }
  }

  /**
   * Registers a new connection; sends {@code welcome}, then {@code joined} for the URL room (or
   * the errors the protocol names) before returning. Never blocks on I/O.
   */
  public HubSession open(SessionTransport transport, ConnectRequest request) {
    return engine.open(Objects.requireNonNull(transport, "transport"),
        request == null ? ConnectRequest.defaults() : request);
  }

  /**
   * Server-side message (HTTP API, embedders). Completes with the stored message after it is
   * stored and broadcast; fails with {@link ProtocolException} ({@code too_long},
   * {@code bad_request}, {@code invalid_nick} for a bad {@code from}, {@code rejected} by the
   * filter) or with {@link StoreUnavailableException}. Creates the room if needed.
   */
  public CompletableFuture<ChatMessage> publish(RoomName room, String from, String text) {
    return engine.publish(room, from, text);
  }

  /** Rooms with live members or stored messages, by name. */
  public List<RoomSummary> rooms() {
    return engine.rooms();
  }

  /** The room's summary; empty when the room is unknown. */
  public Optional<RoomSummary> room(RoomName room) {
    return engine.room(room);
  }

  /** Nicks of the room's live members, in join order (one entry per session). */
  public List<String> members(RoomName room) {
    return engine.members(room);
  }

  /**
   * Up to {@code limit} (1..100) messages with {@code seq < before}, ascending;
   * {@code Long.MAX_VALUE} means the newest. Throws {@link ProtocolException} bad_request for
   * values out of range.
   */
  public List<ChatMessage> history(RoomName room, long before, int limit) {
    return engine.history(room, before, limit);
  }

  /** Live sessions. */
  public int sessionCount() {
    return engine.sessionCount();
  }

  public HubConfig config() {
    return engine.config();
  }

  /**
   * Stops the hub: later {@link #open} calls close their transport with 1001. The hub owns no
   * threads or timers. Does not close live transports (the server does that with 1001).
   */
  @Override
  public void close() {
    engine.close();
  }
}
