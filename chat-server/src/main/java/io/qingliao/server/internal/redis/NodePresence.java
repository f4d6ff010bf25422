package io.qingliao.server.internal.redis;

import io.qingliao.core.RoomName;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * This node's own share of presence and nick claims, kept in memory so that the node can write
 * all of it into Redis again ({@link LuaScripts#RESYNC}) after Redis lost it or missed an update
 * while it was away. The truth about the node's sessions is here; Redis holds a copy that
 * expires when the node stops refreshing it.
 */
final class NodePresence {
  /** Join order given to a session that joined while Redis was away (it sorts last). */
  private static final long LATE_ORDER = Long.MAX_VALUE / 2;

  /** A session's nick and the rooms it is in, with the join order Redis gave each. */
  private static final class SessionRooms {
    volatile String nick;
    final ConcurrentHashMap<RoomName, Long> rooms = new ConcurrentHashMap<>();
  }

  record Claim(String nick, String sessionId) {}

  private final ConcurrentHashMap<String, SessionRooms> sessions = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Claim, String> claims = new ConcurrentHashMap<>();
  private final Set<Claim> failedReleases = ConcurrentHashMap.newKeySet();
  /** Rooms this node ever had presence in (so a resync can clear what is left over). */
  private final Set<RoomName> touched = ConcurrentHashMap.newKeySet();
  private final AtomicLong lateOrders = new AtomicLong();
  private volatile boolean dirty;

  void joined(RoomName room, String sessionId, String nick, Long order) {
    SessionRooms s = sessions.computeIfAbsent(sessionId, id -> new SessionRooms());
    s.nick = nick;
    s.rooms.put(room, order != null ? order : LATE_ORDER + lateOrders.incrementAndGet());
    touched.add(room);
  }

  void left(RoomName room, String sessionId) {
    sessions.computeIfPresent(sessionId, (id, s) -> {
      s.rooms.remove(room);
      return s.rooms.isEmpty() ? null : s;
    });
  }

  /** Renames the session; returns (room, presence value) pairs for {@link LuaScripts#RENAME}. */
  List<String> renamed(String sessionId, String nick) {
    SessionRooms s = sessions.get(sessionId);
    List<String> pairs = new ArrayList<>();
    if (s != null) {
      s.nick = nick;
      s.rooms.forEach((room, order) -> {
        pairs.add(room.value());
        pairs.add(order + "|" + nick);
      });
    }
    return pairs;
  }

  void claimed(String nick, String sessionId, String subject) {
    Claim c = new Claim(nick, sessionId);
    failedReleases.remove(c);
    claims.put(c, subject);
  }

  void released(String nick, String sessionId) {
    claims.remove(new Claim(nick, sessionId));
  }

  void releaseFailed(String nick, String sessionId) {
    failedReleases.add(new Claim(nick, sessionId));
    dirty = true;
  }

  /** Claims this node holds now. */
  List<Claim> claims() {
    return List.copyOf(claims.keySet());
  }

  void markDirty() {
    dirty = true;
  }

  boolean dirty() {
    return dirty;
  }

  /** Rooms this node has sessions in now. */
  List<String> liveRooms() {
    Set<String> rooms = new TreeSet<>();
    for (SessionRooms s : sessions.values()) {
      s.rooms.keySet().forEach(r -> rooms.add(r.value()));
    }
    return List.copyOf(rooms);
  }

  /** One resync: the script's arguments and what to forget once it succeeded. */
  record Resync(List<String> args, List<Claim> releases, List<RoomName> cleared) {}

  /** Arguments of {@link LuaScripts#RESYNC} after prefix, node and ttl; clears the dirty mark. */
  Resync resync() {
    dirty = false;
    Map<RoomName, List<String>> byRoom = new HashMap<>();
    for (RoomName room : touched) {
      byRoom.put(room, new ArrayList<>());
    }
    sessions.forEach((id, s) -> s.rooms.forEach((room, order) -> {
      List<String> entries = byRoom.computeIfAbsent(room, r -> new ArrayList<>());
      entries.add(id);
      entries.add(order + "|" + s.nick);
    }));
    List<String> args = new ArrayList<>();
    List<RoomName> cleared = new ArrayList<>();
    args.add(Integer.toString(byRoom.size()));
    byRoom.forEach((room, entries) -> {
      args.add(room.value());
      args.add(Integer.toString(entries.size() / 2));
      args.addAll(entries);
      if (entries.isEmpty()) {
        cleared.add(room);
      }
    });
    List<Map.Entry<Claim, String>> held = new ArrayList<>(claims.entrySet());
    args.add(Integer.toString(held.size()));
    for (Map.Entry<Claim, String> e : held) {
      args.add(e.getKey().nick());
      args.add(e.getKey().sessionId());
      args.add(e.getValue());
    }
    List<Claim> releases = new ArrayList<>(failedReleases);
    args.add(Integer.toString(releases.size()));
    for (Claim c : releases) {
      args.add(c.nick());
      args.add(c.sessionId());
    }
    return new Resync(args, releases, cleared);
  }

  void resyncDone(Resync done) {
    failedReleases.removeAll(done.releases());
    touched.removeAll(done.cleared());
  }
}
