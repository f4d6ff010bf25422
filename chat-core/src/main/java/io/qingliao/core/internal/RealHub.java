package io.qingliao.core.internal;

import io.qingliao.core.ChatMessage;
import io.qingliao.core.ClusterBroker;
import io.qingliao.core.CloseCodes;
import io.qingliao.core.ConnectRequest;
import io.qingliao.core.ErrorCode;
import io.qingliao.core.HubConfig;
import io.qingliao.core.HubListener;
import io.qingliao.core.HubSession;
import io.qingliao.core.MessageDraft;
import io.qingliao.core.MessageFilter;
import io.qingliao.core.MessageStore;
import io.qingliao.core.Nick;
import io.qingliao.core.ProtocolError;
import io.qingliao.core.ProtocolException;
import io.qingliao.core.RoomName;
import io.qingliao.core.RoomSummary;
import io.qingliao.core.ServerEvent;
import io.qingliao.core.SessionTransport;
import io.qingliao.core.StoreUnavailableException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub's engine behind {@link io.qingliao.core.Hub}: sessions, rooms, the nick registry and
 * the close/drop machinery. Room-level delivery lives in {@link RoomDelivery}, request handling
 * in {@link RequestHandler}. The hub owns no threads.
 */
public final class RealHub {
  private static final Logger log = LoggerFactory.getLogger(RealHub.class);

  private final MessageStore store;
  private final HubConfig config;
  private final Clock clock;
  private final MessageFilter filter;
  private final Listeners listeners;
  private final Ids ids = new Ids();
  private final NickRegistry nicks = new NickRegistry();
  private final NickClaims nickClaims;
  private final ConcurrentHashMap<String, LiveSession> sessions = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<RoomName, Room> rooms = new ConcurrentHashMap<>();
  /** Sessions to close and clean up once the current thread holds no delivery lock. */
  private final ConcurrentLinkedQueue<Runnable> deferred = new ConcurrentLinkedQueue<>();
  private final ThreadLocal<int[]> deliveryLocksHeld = ThreadLocal.withInitial(() -> new int[1]);
  private final RoomDelivery delivery;
  private final RequestHandler requests;
  /** The cluster this hub is a node of, or null for an embedded hub. */
  private final ClusterBroker cluster;
  private final ClusterDelivery clustered;
  private volatile boolean closed;

  public RealHub(MessageStore store, HubConfig config, Clock clock, MessageFilter filter,
      List<HubListener> listeners) {
    this(store, config, clock, filter, listeners, null);
  }

  /** A hub that is one node of the cluster behind {@code cluster} (null: embedded). */
  public RealHub(MessageStore store, HubConfig config, Clock clock, MessageFilter filter,
      List<HubListener> listeners, ClusterBroker cluster) {
    this.cluster = cluster;
    this.nickClaims = new NickClaims(nicks, cluster);
    this.store = store;
    this.config = config;
    this.clock = clock;
    this.filter = filter;
    this.listeners = new Listeners(listeners);
    this.delivery = new RoomDelivery(this);
    this.requests = new RequestHandler(this);
    this.clustered = cluster == null ? null : new ClusterDelivery(this, cluster);
    if (cluster != null) {
      cluster.attach(clustered);
    }
  }

  /** The cluster side of delivery, or null for an embedded hub. */
  ClusterDelivery clustered() {
    return clustered;
  }

  MessageStore store() {
    return store;
  }

  public HubConfig config() {
    return config;
  }

  Clock clock() {
    return clock;
  }

  MessageFilter filter() {
    return filter;
  }

  Listeners listeners() {
    return listeners;
  }

  NickRegistry nicks() {
    return nicks;
  }

  RoomDelivery delivery() {
    return delivery;
  }

  String nextId() {
    return ids.next();
  }

  // ---- sessions ----

  public HubSession open(SessionTransport transport, ConnectRequest request) {
    LiveSession session = new LiveSession(this, ids.next(), transport, request.format(), request.subject(),
        config.slowConsumerBytes(),
        new TokenBucket(config.rateLimitPerSecond(), config.rateBurst(), clock.millis()));
    if (closed) {
      session.markClosing();
      transport.close(CloseCodes.GOING_AWAY, CloseCodes.REASON_SHUTDOWN);
      return session;
    }
    ProtocolError nickError = null;
    String wanted = request.nick();
    if (wanted != null && !Nick.isValid(wanted)) {
      nickError = new ProtocolError(ErrorCode.INVALID_NICK, "invalid nick, using a guest nick", null);
    } else if (wanted != null && !claimNick(wanted, session, true)) {
      nickError = new ProtocolError(ErrorCode.NICK_TAKEN, "nick is taken, using a guest nick", null);
    }
    session.nick(wanted != null && nickError == null ? wanted : claimGuest(session));
    sessions.put(session.id(), session);
    listeners.sessionOpened(session.id(), session.nick());
    session.send(new ServerEvent.Welcome(session.id(), session.nick(), config.heartbeatSeconds(),
        config.serverName()));
    if (nickError != null) {
      session.sendError(nickError);
    }
    Long since = null;
    if (request.since() != null) {
      since = parseSince(request.since());
      if (since == null) {
        session.sendError(ErrorCode.BAD_REQUEST, "since must be an integer >= 0; ignored", null);
      }
    }
    String roomValue = request.room() == null ? RoomName.LOBBY.value() : request.room();
    if (RoomName.isValid(roomValue)) {
      try {
        delivery.join(session, new RoomName(roomValue), since, null);
      } catch (RuntimeException e) {
        log.warn("joining the URL room failed", e);
        session.sendError(ErrorCode.SERVER_BUSY, "could not join the room, try again later", null);
      }
    } else {
      session.sendError(ErrorCode.INVALID_ROOM, "invalid room name", null);
    }
    runDeferred();
    return session;
  }

  /** Gives {@code nick} to {@code session}; see {@link NickClaims#claim}. */
  boolean claimNick(String nick, LiveSession session, boolean lenient) {
    return nickClaims.claim(nick, session, lenient);
  }

  void releaseNick(String nick, LiveSession session) {
    nickClaims.release(nick, session);
  }

  private String claimGuest(LiveSession session) {
    return nickClaims.claimGuest(session);
  }

  private static Long parseSince(String raw) {
    try {
      long value = BoundedJsonReader.safeInteger(raw.trim());
      return value < 0 ? null : value;
    } catch (MalformedFrameException e) {
      return null;
    }
  }

  void onText(LiveSession session, String frame) {
    if (listeners.any()) {
      listeners.frameReceived(session.id(), Utf8.length(frame));
    }
    if (!admit(session)) {
      String cid = RequestDecoder.cidOf(frame, config.maxTextCodePoints());
      refuse(session, cid);
      return;
    }
    try {
      requests.handle(session, frame);
    } catch (RuntimeException e) {
      // A store read or a listener of another component failed; the session must not see a crash.
      log.warn("handling a frame failed", e);
      session.sendError(ErrorCode.SERVER_BUSY, "server error, try again later",
          RequestDecoder.cidOf(frame, config.maxTextCodePoints()));
    }
    runDeferred();
  }

  void onBinary(LiveSession session, ByteBuffer data) {
    if (listeners.any()) {
      listeners.frameReceived(session.id(), data.remaining());
    }
    if (!admit(session)) {
      refuse(session, null);
      return;
    }
    Room current = session.currentRoom();
    if (current == null) {
      session.sendError(ErrorCode.NOT_MEMBER, "no current room for binary data", null);
    } else {
      for (LiveSession member : current.members()) {
        if (member != session) {
          member.sendBinary(data.asReadOnlyBuffer());
        }
      }
    }
    runDeferred();
  }

  private boolean admit(LiveSession session) {
    return session.admitFrame(clock.millis());
  }

  private void refuse(LiveSession session, String cid) {
    session.sendError(ErrorCode.RATE_LIMITED, "too many frames", cid);
    if (session.refusedInRow() >= config.refusedFramesBeforeClose() && session.markClosing()) {
      drop(session, CloseCodes.POLICY_VIOLATION, CloseCodes.REASON_RATE_LIMITED);
    }
    runDeferred();
  }

  /** Called by a session whose transport queued too much; safe under any lock. */
  void dropSlowConsumer(LiveSession session) {
    if (session.markClosing()) {
      drop(session, CloseCodes.SLOW_CONSUMER, CloseCodes.REASON_SLOW_CONSUMER);
    }
  }

  private void drop(LiveSession session, int code, String reason) {
    deferred.add(() -> {
      session.transport().close(code, reason);
      listeners.sessionDropped(session.id(), code, reason);
      cleanUp(session, code);
    });
  }

  void onTransportClosed(LiveSession session, int code) {
    if (session.markClosing()) {
      deferred.add(() -> cleanUp(session, code));
    }
    runDeferred();
  }

  private void cleanUp(LiveSession session, int code) {
    for (Room room : session.roomsSnapshot()) {
      delivery.removeClosed(session, room);
    }
    String nick = session.finalNick();
    releaseNick(nick, session);
    sessions.remove(session.id(), session);
    listeners.sessionClosed(session.id(), nick, code);
  }

  // ---- locks and deferred work ----

  void lockDelivery(Room room) {
    room.deliveryLock.lock();
    deliveryLocksHeld.get()[0]++;
  }

  /** Releases the room's delivery lock, then delivers what became ready and runs deferred drops. */
  void unlockDelivery(Room room) {
    deliveryLocksHeld.get()[0]--;
    room.deliveryLock.unlock();
    delivery.drain(room);
    runDeferred();
  }

  boolean tryLockDelivery(Room room) {
    if (room.deliveryLock.tryLock()) {
      deliveryLocksHeld.get()[0]++;
      return true;
    }
    return false;
  }

  void unlockDeliveryOnly(Room room) {
    deliveryLocksHeld.get()[0]--;
    room.deliveryLock.unlock();
  }

  /** Runs deferred closes, unless this thread holds a delivery lock (the unlock will run them). */
  void runDeferred() {
    if (deliveryLocksHeld.get()[0] > 0) {
      return;
    }
    Runnable task;
    while ((task = deferred.poll()) != null) {
      try {
        task.run();
      } catch (RuntimeException e) {
        log.warn("closing a session failed", e);
      }
    }
  }

  // ---- rooms ----

  Room roomFor(RoomName name) {
    if (cluster == null) {
      return rooms.computeIfAbsent(name, n -> new Room(n, store.latestSeq(n)));
    }
    Room room = rooms.get(name);
    if (room != null) {
      return room;
    }
    boolean[] created = {false};
    room = rooms.computeIfAbsent(name, n -> {
      created[0] = true;
      return new Room(n, store.latestSeq(n));
    });
    if (created[0]) {
      // Chats published between reading latestSeq and now reached no Room: fetch them.
      cluster.roomOpened(name);
    }
    return room;
  }

  /** Names of the rooms this hub keeps state for. */
  List<RoomName> roomNames() {
    return List.copyOf(rooms.keySet());
  }

  Room existingRoom(RoomName name) {
    return rooms.get(name);
  }

  /** Forgets {@code room} if it is unused. Caller holds its delivery lock. */
  void retireIfUnused(Room room) {
    if (cluster != null && room.deliveredSeq() > 0) {
      return; // a room with messages is kept; spares a Redis read on the transport's thread
    }
    if (room.memberCount() == 0 && room.retireIfUnused(hasStoredMessages(room.name()))) {
      rooms.remove(room.name(), room);
    }
  }

  /** True when the store holds messages of {@code name}, or cannot tell right now (keep the room). */
  private boolean hasStoredMessages(RoomName name) {
    try {
      return store.latestSeq(name) > 0;
    } catch (RuntimeException e) {
      log.debug("store unavailable; keeping room {}", name, e);
      return true;
    }
  }

  public List<RoomSummary> rooms() {
    if (cluster != null) {
      return cluster.rooms();
    }
    TreeMap<RoomName, RoomSummary> all = new TreeMap<>();
    for (RoomName name : store.rooms()) {
      all.put(name, new RoomSummary(name, 0, store.latestSeq(name)));
    }
    for (Room room : rooms.values()) {
      summary(room).ifPresent(s -> all.put(s.room(), s));
    }
    return List.copyOf(all.values());
  }

  public Optional<RoomSummary> room(RoomName name) {
    if (cluster != null) {
      return cluster.room(name);
    }
    Room room = rooms.get(name);
    if (room != null) {
      Optional<RoomSummary> live = summary(room);
      if (live.isPresent()) {
        return live;
      }
    }
    long seq = store.latestSeq(name);
    return seq > 0 ? Optional.of(new RoomSummary(name, 0, seq)) : Optional.empty();
  }

  private Optional<RoomSummary> summary(Room room) {
    int members = room.memberNicks().size();
    long seq = Math.max(room.deliveredSeq(), 0);
    if (members == 0 && seq == 0) {
      return Optional.empty();
    }
    return Optional.of(new RoomSummary(room.name(), members, seq));
  }

  public List<String> members(RoomName name) {
    if (cluster != null) {
      return cluster.members(name);
    }
    Room room = rooms.get(name);
    return room == null ? List.of() : List.copyOf(room.memberNicks());
  }

  public List<ChatMessage> history(RoomName name, long before, int limit) {
    if (before < 0) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "before must be >= 0");
    }
    if (limit < 1 || limit > 100) {
      throw new ProtocolException(ErrorCode.BAD_REQUEST, "limit must be 1..100");
    }
    return delivery.history(name, before, limit);
  }

  public int sessionCount() {
    return sessions.size();
  }

  // ---- publishing ----

  public CompletableFuture<ChatMessage> publish(RoomName room, String from, String text) {
    if (room == null) {
      return CompletableFuture.failedFuture(new ProtocolException(ErrorCode.INVALID_ROOM, "room is required"));
    }
    if (from == null || !Nick.isValid(from)) {
      return CompletableFuture.failedFuture(new ProtocolException(ErrorCode.INVALID_NICK, "invalid 'from'"));
    }
    ProtocolError textError = text == null
        ? new ProtocolError(ErrorCode.BAD_REQUEST, "text is required", null)
        : TextRules.check(text, config.maxTextCodePoints());
    if (textError != null) {
      return CompletableFuture.failedFuture(new ProtocolException(textError.code(), textError.message()));
    }
    MessageDraft draft = new MessageDraft(ids.next(), room, from, text, clock.millis(), null);
    CompletableFuture<ChatMessage> published = new CompletableFuture<>();
    try {
      delivery.submit(draft, null, published);
    } catch (RuntimeException e) {
      published.completeExceptionally(e instanceof StoreUnavailableException ? e
          : new StoreUnavailableException("message not stored", e));
    }
    runDeferred();
    return published;
  }

  public void close() {
    closed = true;
  }
}
