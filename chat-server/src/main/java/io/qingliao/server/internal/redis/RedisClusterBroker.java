package io.qingliao.server.internal.redis;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.ScriptOutputType;
import io.qingliao.core.ChatMessage;
import io.qingliao.core.ClusterBroker;
import io.qingliao.core.ClusterEvents;
import io.qingliao.core.MessageDraft;
import io.qingliao.core.MessageStore;
import io.qingliao.core.RoomName;
import io.qingliao.core.RoomSummary;
import io.qingliao.core.ServerEvent;
import io.qingliao.core.StoreUnavailableException;
import java.net.SocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node of a cluster on Redis (docs/redis-engine.md): one Lua script per chat assigns the
 * room's seq, appends to the room's stream, trims it and publishes on the room's channel; every
 * node pattern-subscribes to the room channels and hands what it gets to its hub; presence and
 * nick claims are per-node entries that expire unless the node's heartbeat refreshes them.
 */
public final class RedisClusterBroker implements ClusterBroker {
  private static final Logger log = LoggerFactory.getLogger(RedisClusterBroker.class);

  private final RedisSettings settings;
  private final RedisKeys keys;
  private final String nodeId;
  private final NodePresence presence = new NodePresence();
  private final Set<RoomName> catchUpScheduled = ConcurrentHashMap.newKeySet();
  private final Set<RoomName> gapFillScheduled = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final RedisConnections redis;
  private final RedisHistory history;
  private volatile ClusterEvents events;
  private volatile ScheduledFuture<?> heartbeat;
  private volatile boolean abandoned;

  private RedisClusterBroker(RedisSettings settings) {
    this.settings = settings;
    this.keys = new RedisKeys(settings.keyPrefix());
    this.nodeId = "n" + Long.toString(new SecureRandom().nextLong() & Long.MAX_VALUE, 36);
    this.redis = RedisConnections.open(settings, new Reconnects());
    this.history = new RedisHistory(this, redis, keys);
  }

  /**
   * Connects to Redis and registers this node; throws {@link StoreUnavailableException} when Redis
   * cannot be reached. Events flow once a hub is {@linkplain #attach attached}.
   */
  public static RedisClusterBroker connect(RedisSettings settings) {
    RedisClusterBroker broker = new RedisClusterBroker(settings);
    try {
      broker.resync();
      broker.redis.pubsub.addListener(new RedisInbound(broker.keys, broker.nodeId, () -> broker.events,
          broker.redis.eventExecutor(), broker::catchUpAll));
      broker.redis.await(broker.redis.pubsub.async().psubscribe(broker.keys.roomChannelPattern()));
      broker.redis.await(broker.redis.pubsub.async().subscribe(broker.keys.nodeChannel(broker.nodeId)));
      long period = settings.heartbeat().toMillis();
      broker.heartbeat = broker.redis.events.scheduleWithFixedDelay(broker::beat, period, period,
          TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      broker.redis.close();
      throw RedisConnections.unavailable(e);
    }
    return broker;
  }

  @Override
  public void attach(ClusterEvents events) {
    if (this.events != null) {
      throw new IllegalStateException("a broker serves one hub");
    }
    this.events = events;
  }

  @Override
  public String nodeId() {
    return nodeId;
  }

  @Override
  public MessageStore store() {
    return history;
  }

  // ---- chats ----

  @Override
  public CompletableFuture<ChatMessage> publish(MessageDraft draft) {
    CompletableFuture<ChatMessage> result = new CompletableFuture<>();
    CompletableFuture<Long> seq;
    try {
      seq = LuaScripts.PUBLISH.run(redis.async(), ScriptOutputType.INTEGER,
          new String[] {keys.seq(draft.room()), keys.messages(draft.room()), keys.rooms()},
          draft.room().value(), RedisWire.chat(draft), Integer.toString(settings.historyLength()),
          keys.roomChannel(draft.room()));
    } catch (RuntimeException e) {
      seq = CompletableFuture.failedFuture(e);
    }
    seq.whenCompleteAsync((s, e) -> {
      if (e != null) {
        result.completeExceptionally(new StoreUnavailableException("message not stored: " + e.getMessage(), e));
      } else {
        result.complete(draft.withSeq(s));
      }
    }, redis.eventExecutor());
    return result;
  }

  @Override
  public void roomOpened(RoomName room) {
    schedule(room, true);
  }

  @Override
  public void gapSeen(RoomName room) {
    schedule(room, false);
  }

  /** Reads back {@code room}'s missing chats after {@code gapDelay}, once per room at a time. */
  private void schedule(RoomName room, boolean toLatest) {
    Set<RoomName> scheduled = toLatest ? catchUpScheduled : gapFillScheduled;
    if (!scheduled.add(room)) {
      return;
    }
    try {
      redis.events.schedule(() -> {
        scheduled.remove(room);
        readBack(room, toLatest);
      }, settings.gapDelay().toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      scheduled.remove(room);
    }
  }

  private void readBack(RoomName room, boolean toLatest) {
    ClusterEvents hub = events;
    if (hub == null) {
      return;
    }
    try {
      if (toLatest) {
        hub.catchUp(room);
      } else {
        hub.fillGaps(room);
      }
    } catch (RuntimeException e) {
      log.debug("reading back {} failed; retried when Redis is back", room, e);
    }
  }

  private void catchUpAll() {
    ClusterEvents hub = events;
    if (hub != null) {
      hub.rooms().forEach(room -> readBack(room, true));
    }
  }

  // ---- presence ----

  @Override
  public Presence join(RoomName room, String sessionId, String nick) {
    List<Object> reply;
    try {
      reply = redis.await(LuaScripts.JOIN.run(redis.async(), ScriptOutputType.MULTI, new String[0],
          keys.prefix, room.value(), nodeId, sessionId, nick, Long.toString(settings.presenceTtl().toMillis())));
    } catch (RuntimeException e) {
      presence.joined(room, sessionId, nick, null);
      presence.markDirty();
      throw RedisConnections.unavailable(e);
    }
    long order = (Long) reply.get(0);
    presence.joined(room, sessionId, nick, order);
    List<String> members = nicksInOrder(reply.subList(1, reply.size()));
    return new Presence(members, members.size(), order);
  }

  @Override
  public CompletableFuture<Presence> leave(RoomName room, String sessionId) {
    presence.left(room, sessionId);
    CompletableFuture<List<Object>> reply;
    try {
      reply = LuaScripts.LEAVE.run(redis.async(), ScriptOutputType.MULTI, new String[0],
          keys.prefix, room.value(), nodeId, sessionId);
    } catch (RuntimeException e) {
      reply = CompletableFuture.failedFuture(e);
    }
    CompletableFuture<Presence> result = new CompletableFuture<>();
    reply.whenCompleteAsync((r, e) -> {
      if (e != null) {
        presence.markDirty();
        result.completeExceptionally(RedisConnections.unavailable(new RuntimeException(e.getMessage(), e)));
      } else {
        result.complete(new Presence(List.of(), ((Long) r.get(0)).intValue(), (Long) r.get(1)));
      }
    }, redis.eventExecutor());
    return result;
  }

  @Override
  public long renamed(String sessionId, String nick) {
    List<String> args = new ArrayList<>(List.of(keys.prefix, nodeId, sessionId));
    args.addAll(presence.renamed(sessionId, nick));
    try {
      Long version = redis.await(LuaScripts.RENAME.run(redis.async(), ScriptOutputType.INTEGER, new String[0],
          args.toArray(String[]::new)));
      return version;
    } catch (RuntimeException e) {
      presence.markDirty();
      throw RedisConnections.unavailable(e);
    }
  }

  @Override
  public void notice(ServerEvent.SystemEvent event, long version) {
    try {
      redis.async().publish(keys.roomChannel(event.room()), RedisWire.notice(nodeId, event, version))
          .exceptionally(e -> {
            log.debug("notice not published", e);
            return 0L;
          });
    } catch (RuntimeException e) {
      log.debug("notice not published", e);
    }
  }

  @Override
  public List<String> members(RoomName room) {
    try {
      List<Object> values = redis.await(LuaScripts.MEMBERS.run(redis.async(), ScriptOutputType.MULTI,
          new String[0], keys.prefix, room.value()));
      return nicksInOrder(values);
    } catch (RuntimeException e) {
      throw RedisConnections.unavailable(e);
    }
  }

  /** Presence values {@code order|nick} to nicks, by join order. */
  private static List<String> nicksInOrder(List<Object> values) {
    List<String[]> parsed = new ArrayList<>(values.size());
    for (Object v : values) {
      String s = (String) v;
      int bar = s.indexOf('|');
      parsed.add(new String[] {s.substring(0, bar), s.substring(bar + 1)});
    }
    parsed.sort(Comparator.comparingLong(p -> Long.parseLong(p[0])));
    return parsed.stream().map(p -> p[1]).toList();
  }

  @Override
  public List<RoomSummary> rooms() {
    return summaries(null);
  }

  @Override
  public Optional<RoomSummary> room(RoomName room) {
    return summaries(room).stream().findFirst();
  }

  private List<RoomSummary> summaries(RoomName only) {
    List<Object> flat;
    try {
      flat = redis.await(only == null
          ? LuaScripts.ROOMS.run(redis.async(), ScriptOutputType.MULTI, new String[0], keys.prefix)
          : LuaScripts.ROOMS.run(redis.async(), ScriptOutputType.MULTI, new String[0], keys.prefix, only.value()));
    } catch (RuntimeException e) {
      throw RedisConnections.unavailable(e);
    }
    List<RoomSummary> out = new ArrayList<>();
    for (int i = 0; i + 2 < flat.size(); i += 3) {
      String name = (String) flat.get(i);
      if (RoomName.isValid(name)) {
        out.add(new RoomSummary(new RoomName(name), ((Long) flat.get(i + 1)).intValue(), (Long) flat.get(i + 2)));
      }
    }
    out.sort(Comparator.comparing(RoomSummary::room));
    return List.copyOf(out);
  }

  // ---- nicks and direct messages ----

  @Override
  public String guestNick() {
    try {
      return "guest-" + redis.await(redis.async().incr(keys.guests()));
    } catch (RuntimeException e) {
      throw RedisConnections.unavailable(e);
    }
  }

  @Override
  public boolean claimNick(String nick, String subject, String sessionId) {
    String subjectValue = subject == null ? "" : subject;
    presence.claimed(nick, sessionId, subjectValue);
    Long claimed;
    try {
      claimed = redis.await(LuaScripts.CLAIM_NICK.run(redis.async(), ScriptOutputType.INTEGER,
          new String[] {keys.nick(nick)}, keys.prefix, RedisKeys.claimField(nodeId, sessionId), subjectValue));
    } catch (RuntimeException e) {
      presence.markDirty();
      throw RedisConnections.unavailable(e);
    }
    if (claimed == 0) {
      presence.released(nick, sessionId);
      return false;
    }
    return true;
  }

  @Override
  public void releaseNick(String nick, String sessionId) {
    presence.released(nick, sessionId);
    try {
      redis.async().hdel(keys.nick(nick), RedisKeys.claimField(nodeId, sessionId))
          .exceptionally(e -> {
            presence.releaseFailed(nick, sessionId);
            return 0L;
          });
    } catch (RuntimeException e) {
      presence.releaseFailed(nick, sessionId);
    }
  }

  @Override
  public int dm(ServerEvent.DirectMessage dm) {
    List<Object> reply;
    try {
      reply = redis.await(LuaScripts.DM.run(redis.async(), ScriptOutputType.MULTI,
          new String[] {keys.nick(dm.to())}, keys.prefix, nodeId, RedisWire.dm(dm)));
    } catch (RuntimeException e) {
      throw RedisConnections.unavailable(e);
    }
    long holders = (Long) reply.get(0);
    long here = (Long) reply.get(1);
    long reached = (Long) reply.get(2);
    if (holders > 0 && here == 0 && reached == 0) {
      // Only nodes whose pub/sub connection is reconnecting hold the nick: nobody got it.
      throw new StoreUnavailableException("the nodes of " + dm.to() + " are reconnecting");
    }
    return (int) holders;
  }

  // ---- heartbeat ----

  /** Refreshes this node's entries; rewrites them all when Redis lost or missed some. */
  private void beat() {
    if (abandoned) {
      return;
    }
    try {
      if (presence.dirty()) {
        resync();
        return;
      }
      List<String> args = new ArrayList<>(List.of(keys.prefix, nodeId,
          Long.toString(settings.presenceTtl().toMillis())));
      args.addAll(presence.liveRooms());
      Long ok = redis.await(LuaScripts.HEARTBEAT.run(redis.async(), ScriptOutputType.INTEGER, new String[0],
          args.toArray(String[]::new)));
      if (ok != 1) {
        log.info("node {}: {} in Redis had expired or was lost; registering presence again", nodeId,
            ok == 0 ? "its alive key" : "a presence entry");
        resync();
      }
    } catch (RuntimeException e) {
      presence.markDirty();
      log.debug("heartbeat failed", e);
    }
  }

  private void resync() {
    NodePresence.Resync resync = presence.resync();
    List<String> args = new ArrayList<>(List.of(keys.prefix, nodeId,
        Long.toString(settings.presenceTtl().toMillis())));
    args.addAll(resync.args());
    try {
      redis.await(LuaScripts.RESYNC.run(redis.async(), ScriptOutputType.INTEGER, new String[0],
          args.toArray(String[]::new)));
      presence.resyncDone(resync);
    } catch (RuntimeException e) {
      presence.markDirty();
      throw e;
    }
  }

  // ---- lifecycle ----

  /**
   * Behaves as a node that crashed: stops the heartbeat and drops both Redis connections at once,
   * removing nothing, so its sessions leave presence only when their entries expire. For tests of
   * the cluster's behaviour when a node dies; {@link #close} still ends the threads.
   */
  public void abandon() {
    abandoned = true;
    ScheduledFuture<?> beat = heartbeat;
    if (beat != null) {
      beat.cancel(false);
    }
    redis.dropConnections();
  }

  /**
   * Says goodbye (removes this node's alive key and what is left of its presence entries and nick
   * claims), then closes the connections and stops every thread. Idempotent.
   */
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    ScheduledFuture<?> beat = heartbeat;
    if (beat != null) {
      beat.cancel(false);
    }
    if (!abandoned) {
      try {
        List<String> dead = new ArrayList<>();
        dead.add(keys.alive(nodeId));
        for (String room : presence.liveRooms()) {
          dead.add(keys.presence(new RoomName(room), nodeId));
        }
        redis.await(redis.async().del(dead.toArray(String[]::new)));
        List<java.util.concurrent.CompletionStage<Long>> releases = new ArrayList<>();
        for (NodePresence.Claim claim : presence.claims()) {
          releases.add(redis.async().hdel(keys.nick(claim.nick()), RedisKeys.claimField(nodeId, claim.sessionId())));
        }
        releases.forEach(redis::await);
      } catch (RuntimeException e) {
        log.debug("goodbye not written; this node's entries expire by themselves", e);
      }
    }
    redis.close();
  }

  // ---- what comes from Redis ----

  /** After the command connection comes back, refresh (or rewrite) presence at once. */
  private final class Reconnects implements RedisConnectionStateListener {
    @Override
    public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
      if (redis != null && connection == redis.commands && !abandoned && !closed.get()) {
        redis.eventExecutor().execute(RedisClusterBroker.this::beat);
      }
    }
  }
}
