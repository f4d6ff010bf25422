package io.qingliao.client.internal.chat;

import io.qingliao.client.ChatClient;
import io.qingliao.client.ChatDisconnectedException;
import io.qingliao.client.ChatEventLog;
import io.qingliao.client.ChatListener;
import io.qingliao.client.ConnectionState;
import io.qingliao.client.internal.chat.PendingRequests.Pending;
import io.qingliao.core.ClientRequest;
import io.qingliao.core.CloseCodes;
import io.qingliao.core.Decoded;
import io.qingliao.core.ProtocolCodec;
import io.qingliao.core.RoomName;
import io.qingliao.core.ServerEvent;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ChatClient}: one OkHttp WebSocket at a time, the rooms it is in, and the requests
 * waiting for replies. State changes happen under {@code lock}; listeners and futures are called
 * after it is released, one batch at a time by {@link Delivery}, so that they see events in the
 * order the server sent them.
 */
public final class RealChatClient extends ChatRequests {
  private static final Logger log = LoggerFactory.getLogger(RealChatClient.class);

  private final ChatClientConfig config;
  private final OkHttpResources resources;
  private final Backoff backoff;
  private final ChatEventLog eventLog;
  private final Delivery delivery;
  private final String cidPrefix = Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36), 36);
  private final CompletableFuture<ServerEvent.Welcome> opened = new CompletableFuture<>();
  private final Object lock = new Object();

  // Guarded by lock.
  private final RoomTracker rooms = new RoomTracker();
  private final PendingRequests pending = new PendingRequests();
  private ConnectionState state = ConnectionState.CONNECTING;
  private Connection connection;
  private long generation;
  private boolean everOpened;
  private int attempt;
  private long nextCid;
  private String nick;
  private String desiredNick;
  private java.util.concurrent.ScheduledFuture<?> reconnectTimer;

  private RealChatClient(ChatClientConfig config) {
    this.config = config;
    this.resources = new OkHttpResources(config.okHttpClient(), config.scheduler());
    this.backoff = new Backoff(config.backoffMin(), config.backoffMax());
    this.eventLog = new ChatEventLog(config.eventLogCapacity());
    List<ChatListener> listeners = new ArrayList<>();
    listeners.add(eventLog);
    listeners.addAll(config.listeners());
    this.delivery = new Delivery(this, listeners, config.connectionListeners());
    this.nick = config.nick();
    this.desiredNick = config.nick();
  }

  public static RealChatClient connect(ChatClientConfig config) {
    RealChatClient client = new RealChatClient(config);
    client.dial();
    return client;
  }

  // ---- Connection lifecycle.

  private void dial() {
    int attemptNow;
    synchronized (lock) {
      if (state == ConnectionState.CLOSED) {
        return;
      }
      reconnectTimer = null;
      generation++;
      RoomName room = config.room();
      Long since = !everOpened && config.since() >= 0 ? config.since() : null;
      List<Map.Entry<RoomName, Long>> tracked = rooms.entries();
      if (!tracked.isEmpty()) {
        room = tracked.get(0).getKey();
        since = tracked.get(0).getValue();
      }
      boolean leaveUrlRoom = everOpened && tracked.isEmpty();
      Connection c = new Connection(this, generation, room, since, leaveUrlRoom);
      connection = c;
      c.start(resources.client(), config.url(), desiredNick, config.token());
      c.welcomeTimer = resources.scheduler().schedule(() -> welcomeTimedOut(c),
          config.connectTimeout().toNanos(), TimeUnit.NANOSECONDS);
      attemptNow = attempt;
    }
    runDelivery(List.of(() -> delivery.connecting(attemptNow)));
  }

  private void welcomeTimedOut(Connection c) {
    synchronized (lock) {
      if (c != connection || c.open) {
        return;
      }
    }
    onDrop(c, -1, "connect timeout",
        new SocketTimeoutException("no welcome within " + config.connectTimeout()));
    c.socket.cancel();
  }

  /** A {@code welcome} on connection {@code c}: resume rooms, flush the queue, start the heartbeat. */
  void onWelcome(Connection c, ServerEvent.Welcome welcome) {
    List<Runnable> effects = new ArrayList<>();
    synchronized (lock) {
      if (c != connection || state == ConnectionState.CLOSED) {
        return;
      }
      c.open = true;
      c.welcomeTimer.cancel(false);
      everOpened = true;
      attempt = 0;
      nick = welcome.nick();
      state = ConnectionState.OPEN;
      for (Map.Entry<RoomName, Long> room : rooms.entries()) {
        if (!room.getKey().equals(c.urlRoom)) {
          Long since = room.getValue() >= 0 ? room.getValue() : null;
          requestInternal(cid -> new ClientRequest.Join(room.getKey(), since, cid), ServerEvent.Joined.class);
        }
      }
      if (c.leaveUrlRoom) {
        requestInternal(cid -> new ClientRequest.Leave(c.urlRoom, cid), ServerEvent.Left.class);
      }
      for (Pending<?> queued : pending.unwritten()) {
        if (c.socket.send(queued.frame)) {
          pending.markWritten(queued);
        }
      }
      Duration interval = config.heartbeat() != null ? config.heartbeat()
          : Duration.ofSeconds(Math.max(1, welcome.heartbeat()));
      c.heartbeat = resources.scheduler().scheduleAtFixedRate(() -> heartbeat(c, interval),
          interval.toNanos(), interval.toNanos(), TimeUnit.NANOSECONDS);
    }
    effects.add(() -> delivery.open(welcome));
    effects.add(() -> delivery.event(welcome));
    effects.add(() -> opened.complete(welcome));
    runDelivery(effects);
  }

  private void heartbeat(Connection c, Duration interval) {
    CompletableFuture<ServerEvent.Pong> pong;
    synchronized (lock) {
      if (c != connection || !c.open) {
        return;
      }
      Duration timeout = interval.compareTo(config.requestTimeout()) < 0 ? interval : config.requestTimeout();
      pong = request(ClientRequest.Ping::new, ServerEvent.Pong.class, true, timeout);
    }
    pong.whenComplete((reply, failure) -> {
      if (failure instanceof TimeoutException) {
        onDrop(c, -1, "heartbeat timeout", new SocketTimeoutException("no pong within the heartbeat"));
        c.socket.cancel();
      }
    });
  }

  /**
   * Connection {@code c} ended: closed by the server ({@code code}), failed ({@code code} -1 or
   * the HTTP status of a refused handshake), or stopped answering pings. Dials again after the
   * backoff, unless the server refused the client for good.
   */
  void onDrop(Connection c, int code, String reason, Throwable cause) {
    if (Thread.holdsLock(lock)) {
      // OkHttp failed the dial synchronously inside dial() (its executor refused the call):
      // handle it outside the lock, as listeners must never run under it.
      resources.scheduler().execute(() -> onDrop(c, code, reason, cause));
      return;
    }
    List<Runnable> effects = new ArrayList<>();
    synchronized (lock) {
      if (c != connection || state == ConnectionState.CLOSED) {
        return;
      }
      connection = null;
      c.stop();
      ChatDisconnectedException lost = new ChatDisconnectedException(
          "connection lost" + (code > 0 ? ": " + code + " " + reason : ": " + reason), code, cause);
      List<Pending<?>> lostRequests = pending.removeLost();
      boolean refused = code == CloseCodes.UNAUTHORIZED || code == 401 || code == 403;
      if (refused) {
        state = ConnectionState.CLOSED;
        ChatDisconnectedException closed = new ChatDisconnectedException("refused by the server: " + code, code, cause);
        effects.add(() -> delivery.closed(code, reason == null ? "refused" : reason));
        for (Pending<?> p : pending.removeAll()) {
          effects.add(() -> p.fail(closed));
        }
        effects.add(() -> opened.completeExceptionally(closed));
        // Let OkHttp answer the server's close before its threads go.
        c.afterTerminated(() -> resources.release(false));
      } else {
        state = ConnectionState.RECONNECTING;
        Duration delay = backoff.delay(attempt++);
        reconnectTimer = resources.scheduler().schedule(this::dial, delay.toNanos(), TimeUnit.NANOSECONDS);
        Throwable why = cause != null ? cause : lost;
        effects.add(() -> delivery.reconnecting(delay, why));
      }
      for (Pending<?> p : lostRequests) {
        effects.add(() -> p.fail(lost));
      }
    }
    runDelivery(effects);
  }

  @Override
  public void close() {
    List<Runnable> effects = new ArrayList<>();
    Connection last;
    synchronized (lock) {
      if (state == ConnectionState.CLOSED) {
        return;
      }
      state = ConnectionState.CLOSED;
      last = connection;
      connection = null;
      if (reconnectTimer != null) {
        reconnectTimer.cancel(false);
      }
      ChatDisconnectedException closed = new ChatDisconnectedException("client closed", CloseCodes.NORMAL, null);
      effects.add(() -> delivery.closed(CloseCodes.NORMAL, "client closed"));
      for (Pending<?> p : pending.removeAll()) {
        effects.add(() -> p.fail(closed));
      }
      effects.add(() -> opened.completeExceptionally(closed));
    }
    if (last != null) {
      last.closeGracefully();
    }
    runDelivery(effects);
    boolean mayWait = !delivery.inCallback() && !resources.isOwnThread(Thread.currentThread());
    if (last == null) {
      resources.release(mayWait);
    } else if (mayWait) {
      last.awaitTerminated(Duration.ofSeconds(2));
      resources.release(true);
    } else {
      // Called from a callback: the close handshake needs OkHttp's threads, so let them finish.
      last.afterTerminated(() -> resources.release(false));
    }
  }

  // ---- Frames from the server.

  void onText(Connection c, String text) {
    Decoded<ServerEvent> decoded = ProtocolCodec.decodeEvent(text);
    if (!decoded.isOk()) {
      log.warn("ignoring a frame the client cannot decode: {}", decoded.error().message());
      return;
    }
    ServerEvent event = decoded.value();
    if (event instanceof ServerEvent.Welcome welcome) {
      onWelcome(c, welcome);
      return;
    }
    List<Runnable> effects = new ArrayList<>();
    synchronized (lock) {
      if (c != connection || state == ConnectionState.CLOSED) {
        return;
      }
      Pending<?> reply = pending.remove(replyCid(event));
      if (event instanceof ServerEvent.ChatEvent chat) {
        RoomTracker.Live live = rooms.onChat(chat.message());
        addMissed(effects, live.missed());
        if (live.deliver()) {
          effects.add(() -> delivery.event(chat));
        }
      } else if (event instanceof ServerEvent.Joined joined) {
        Long since = null;
        if (reply != null && reply.request instanceof ClientRequest.Join join) {
          since = join.since();
        } else if (reply == null && joined.cid() == null && joined.room().equals(c.urlRoom)) {
          since = c.urlSince;
        }
        RoomTracker.Replay replay = rooms.onJoined(joined, since);
        effects.add(() -> delivery.event(joined));
        addMissed(effects, replay.missed());
        for (var message : replay.messages()) {
          effects.add(() -> delivery.event(new ServerEvent.ChatEvent(message)));
        }
      } else {
        if (event instanceof ServerEvent.Left left) {
          rooms.remove(left.room());
        } else if (event instanceof ServerEvent.NickChanged changed) {
          nick = changed.nick();
          desiredNick = changed.nick();
        } else if (event instanceof ServerEvent.ErrorEvent && reply != null && reply.internal
            && reply.request instanceof ClientRequest.Join join) {
          rooms.remove(join.room());
        }
        effects.add(() -> delivery.event(event));
      }
      if (reply != null) {
        effects.add(() -> reply.settle(event)); // after the listeners saw the reply
      }
    }
    runDelivery(effects);
  }

  void onBinary(Connection c, byte[] data) {
    synchronized (lock) {
      if (c != connection) {
        return;
      }
    }
    runDelivery(List.of(() -> delivery.binary(data)));
  }

  /** The cid of a direct reply; null for broadcasts, whose cid belongs to their sender. */
  private static String replyCid(ServerEvent event) {
    if (event instanceof ServerEvent.Ack e) return e.cid();
    if (event instanceof ServerEvent.Joined e) return e.cid();
    if (event instanceof ServerEvent.Left e) return e.cid();
    if (event instanceof ServerEvent.NickChanged e) return e.cid();
    if (event instanceof ServerEvent.HistoryPage e) return e.cid();
    if (event instanceof ServerEvent.MembersList e) return e.cid();
    if (event instanceof ServerEvent.Pong e) return e.cid();
    if (event instanceof ServerEvent.ErrorEvent e) return e.cid();
    return null;
  }

  private void addMissed(List<Runnable> effects, RoomTracker.Missed missed) {
    if (missed != null) {
      effects.add(() -> delivery.missed(missed.room(), missed.from(), missed.to()));
    }
  }

  private void runDelivery(List<Runnable> effects) {
    delivery.run(effects);
  }

  // ---- Requests.

  /** Makes a request with a fresh cid; writes it now if open, else queues it. Call under lock. */
  private <T extends ServerEvent> CompletableFuture<T> request(Function<String, ClientRequest> make,
      Class<T> replyType, boolean internal, Duration timeout) {
    String cid = cidPrefix + "-" + Long.toString(nextCid++, 36);
    ClientRequest request = make.apply(cid);
    Pending<T> p = new Pending<>(request, ProtocolCodec.encodeRequest(request), replyType, internal);
    if (state == ConnectionState.CLOSED) {
      p.fail(new ChatDisconnectedException("client closed", CloseCodes.NORMAL, null));
      return p.future;
    }
    Connection c = connection;
    boolean open = c != null && c.open;
    if (!open && pending.queued() >= config.maxQueuedRequests()) {
      p.fail(new ChatDisconnectedException("not connected, and " + pending.queued() + " requests are queued", -1, null));
      return p.future;
    }
    p.written = open && c.socket.send(p.frame);
    pending.add(p);
    p.timeout = resources.scheduler().schedule(() -> expire(cid, timeout), timeout.toNanos(), TimeUnit.NANOSECONDS);
    return p.future;
  }

  /** A request of the client's own (resume, leave): dropped, not queued, if the connection goes. */
  private void requestInternal(Function<String, ClientRequest> make, Class<? extends ServerEvent> replyType) {
    request(make, replyType, true, config.requestTimeout());
  }

  @Override
  <T extends ServerEvent> CompletableFuture<T> request(Function<String, ClientRequest> make, Class<T> replyType) {
    synchronized (lock) {
      return request(make, replyType, false, config.requestTimeout());
    }
  }

  private void expire(String cid, Duration timeout) {
    Pending<?> p;
    synchronized (lock) {
      p = pending.remove(cid);
    }
    if (p != null) {
      runDelivery(List.of(() -> p.fail(new TimeoutException(p.request.type() + " got no reply within " + timeout))));
    }
  }

  // ---- State.

  @Override
  public ConnectionState state() {
    synchronized (lock) {
      return state;
    }
  }

  @Override
  public CompletableFuture<ServerEvent.Welcome> opened() {
    return opened.copy();
  }

  @Override
  public String nick() {
    synchronized (lock) {
      return nick;
    }
  }

  @Override
  public List<RoomName> rooms() {
    synchronized (lock) {
      return rooms.rooms();
    }
  }

  @Override
  public long lastSeq(String room) {
    RoomName name = new RoomName(room);
    synchronized (lock) {
      return rooms.lastSeq(name);
    }
  }

  @Override
  public ChatEventLog events() {
    return eventLog;
  }

  @Override
  public String toString() {
    return "ChatClient{" + config.url() + ", nick=" + nick() + ", " + state() + "}";
  }
}
