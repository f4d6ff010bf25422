package io.qingliao.core.internal;

import io.qingliao.core.ChatMessage;
import io.qingliao.core.ClusterBroker;
import io.qingliao.core.ClusterEvents;
import io.qingliao.core.ErrorCode;
import io.qingliao.core.MessageDraft;
import io.qingliao.core.RoomName;
import io.qingliao.core.ServerEvent;
import io.qingliao.core.StoreUnavailableException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.ObjLongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivery on a node of a cluster. The broker sequences and stores chats; every node gets every
 * chat of its rooms from the broker (from the publishing node's reply, from the event stream, or
 * read back from the history after an interruption), in any order and possibly twice, and
 * delivers them to its own members strictly in seq order under the room's delivery lock.
 * A sender is acked when its chat is delivered on its own node, so it sees its chat first, as
 * on an embedded hub. Presence calls fall back to this node's view when the cluster cannot
 * answer (the broker re-registers the node's presence once it is back).
 */
final class ClusterDelivery implements ClusterEvents {
  private static final Logger log = LoggerFactory.getLogger(ClusterDelivery.class);
  /** Messages read per history page while catching up. */
  private static final int CATCH_UP_PAGE = 500;

  /** A sender (session or publisher) waiting for the ack of one seq. */
  private record Waiter(LiveSession sender, String cid, CompletableFuture<ChatMessage> published) {}

  /** The cluster side of one {@link Room}; guarded by its delivery lock. */
  static final class RoomState {
    private final TreeMap<Long, ChatMessage> ahead = new TreeMap<>();
    private final Map<Long, List<Waiter>> waiting = new HashMap<>();
    /** The presence version of each local member's {@code joined} snapshot. */
    private final Map<LiveSession, Long> seen = new IdentityHashMap<>();
  }

  private final RealHub hub;
  private final ClusterBroker cluster;

  ClusterDelivery(RealHub hub, ClusterBroker cluster) {
    this.hub = hub;
    this.cluster = cluster;
  }

  // ---- chats ----

  /** Publishes an accepted draft; the sender is acked (or {@code published} completed) on delivery. */
  void submit(MessageDraft draft, LiveSession sender, CompletableFuture<ChatMessage> published) {
    Room room = hub.roomFor(draft.room());
    long started = System.nanoTime();
    CompletableFuture<ChatMessage> stored;
    try {
      stored = cluster.publish(draft);
    } catch (RuntimeException e) {
      stored = CompletableFuture.failedFuture(e);
    }
    stored.whenComplete((message, error) -> {
      hub.listeners().storeAppendCompleted(System.nanoTime() - started, error == null);
      Waiter waiter = new Waiter(sender, draft.cid(), published);
      if (error != null) {
        fail(waiter, error);
      } else {
        stored(room, message, waiter);
      }
      hub.runDeferred();
    });
  }

  private void fail(Waiter waiter, Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (waiter.sender() != null) {
      waiter.sender().sendError(ErrorCode.SERVER_BUSY, "message not stored, try again later", waiter.cid());
    }
    if (waiter.published() != null) {
      waiter.published().completeExceptionally(cause instanceof StoreUnavailableException ? cause
          : new StoreUnavailableException("message not stored", cause));
    }
  }

  private void stored(Room room, ChatMessage message, Waiter waiter) {
    Room target = room;
    while (true) {
      hub.lockDelivery(target);
      try {
        if (!target.isRetired()) {
          if (target.deliveredSeq() >= message.seq()) {
            acknowledge(message, waiter);
          } else {
            target.clusterState().waiting.computeIfAbsent(message.seq(), s -> new ArrayList<>(1)).add(waiter);
            offer(target, message);
          }
          return;
        }
      } finally {
        hub.unlockDelivery(target);
      }
      target = hub.roomFor(message.room());
    }
  }

  @Override
  public void chat(ChatMessage message) {
    Room room = hub.existingRoom(message.room());
    if (room == null) {
      return; // no state here: nobody on this node is in the room or waiting for it
    }
    hub.lockDelivery(room);
    try {
      offer(room, message);
    } finally {
      hub.unlockDelivery(room);
    }
  }

  /** Queues {@code message} and delivers what is contiguous; caller holds the delivery lock. */
  private void offer(Room room, ChatMessage message) {
    if (message.seq() <= room.deliveredSeq()) {
      return;
    }
    RoomState state = room.clusterState();
    state.ahead.putIfAbsent(message.seq(), message);
    deliverReady(room, state);
    if (!state.ahead.isEmpty()) {
      cluster.gapSeen(room.name());
    }
  }

  private void deliverReady(Room room, RoomState state) {
    while (!state.ahead.isEmpty()) {
      long next = room.deliveredSeq() + 1;
      long first = state.ahead.firstKey();
      if (first < next) {
        state.ahead.pollFirstEntry();
      } else if (first == next) {
        deliver(room, state, state.ahead.pollFirstEntry().getValue());
      } else {
        return;
      }
    }
  }

  private void deliver(Room room, RoomState state, ChatMessage message) {
    room.delivered(message.seq());
    int recipients = room.fanOut(new RoomBroadcast(new ServerEvent.ChatEvent(message)), null);
    List<Waiter> waiters = state.waiting.remove(message.seq());
    if (waiters != null) {
      for (Waiter w : waiters) {
        acknowledge(message, w);
      }
    }
    hub.listeners().chatDelivered(message, recipients);
  }

  private static void acknowledge(ChatMessage message, Waiter waiter) {
    if (waiter.sender() != null) {
      waiter.sender().send(new ServerEvent.Ack(waiter.cid(), message.id(), message.room(), message.seq(),
          message.ts()));
    }
    if (waiter.published() != null) {
      waiter.published().complete(message);
    }
  }

  @Override
  public void catchUp(RoomName name) {
    readBack(name, true);
  }

  @Override
  public void fillGaps(RoomName name) {
    readBack(name, false);
  }

  /** Reads missing chats from the history: up to the latest seq, or up to the last one ahead. */
  private void readBack(RoomName name, boolean toLatest) {
    Room room = hub.existingRoom(name);
    if (room == null) {
      return;
    }
    hub.lockDelivery(room);
    try {
      RoomState state = room.clusterState();
      if (!toLatest && state.ahead.isEmpty()) {
        return;
      }
      long target = toLatest ? hub.store().latestSeq(name) : 0;
      if (!state.ahead.isEmpty()) {
        target = Math.max(target, state.ahead.lastKey());
      }
      while (room.deliveredSeq() < target) {
        long from = room.deliveredSeq();
        List<ChatMessage> page = hub.store().readAfter(name, from, CATCH_UP_PAGE);
        long firstKnown = Math.min(page.isEmpty() ? Long.MAX_VALUE : page.get(0).seq(),
            state.ahead.isEmpty() ? Long.MAX_VALUE : state.ahead.firstKey());
        if (firstKnown == Long.MAX_VALUE) {
          log.warn("room {}: seqs {}..{} are not in the history; skipping them", name, from + 1, target);
          room.delivered(target);
          break;
        }
        if (firstKnown > from + 1) {
          log.warn("room {}: seqs {}..{} were trimmed from the history; skipping them", name, from + 1, firstKnown - 1);
          room.delivered(firstKnown - 1);
        }
        for (ChatMessage m : page) {
          state.ahead.putIfAbsent(m.seq(), m);
        }
        deliverReady(room, state);
      }
    } finally {
      hub.unlockDelivery(room);
    }
  }

  @Override
  public List<RoomName> rooms() {
    return hub.roomNames();
  }

  // ---- notices and direct messages ----

  @Override
  public void notice(ServerEvent.SystemEvent event, long version) {
    Room room = hub.existingRoom(event.room());
    if (room == null) {
      return;
    }
    hub.lockDelivery(room);
    try {
      RoomState state = room.clusterState();
      RoomBroadcast broadcast = new RoomBroadcast(event);
      for (LiveSession member : room.members()) {
        Long seen = state.seen.get(member);
        if (seen == null || seen < version) {
          member.sendShared(broadcast); // its joined snapshot predates the change
        }
      }
    } finally {
      hub.unlockDelivery(room);
    }
  }

  /** Sends a notice of this node's, about presence change {@code version}, to the other nodes. */
  void noticeOthers(ServerEvent.SystemEvent event, long version) {
    cluster.notice(event, version);
  }

  @Override
  public void dm(ServerEvent.DirectMessage dm) {
    List<LiveSession> targets = hub.nicks().sessionsOf(dm.to());
    RoomBroadcast broadcast = new RoomBroadcast(dm);
    for (LiveSession target : targets) {
      target.sendShared(broadcast);
    }
    hub.runDeferred();
  }

  /**
   * Hands {@code dm} to the other nodes; false (after answering the sender) when it must not be
   * delivered here either: nobody holds the nick, or the cluster cannot take it.
   */
  boolean dmOthers(LiveSession sender, ServerEvent.DirectMessage dm, boolean localTargets, String cid) {
    int holders;
    try {
      holders = cluster.dm(dm);
    } catch (RuntimeException e) {
      sender.sendError(ErrorCode.SERVER_BUSY, "direct message not sent, try again later", cid);
      return false;
    }
    if (holders == 0 && !localTargets) {
      sender.sendError(ErrorCode.NO_SUCH_USER, "no user named " + dm.to(), cid);
      return false;
    }
    return true;
  }

  // ---- presence (callers hold the room's delivery lock) ----

  /** The room's presence after {@code session} joined it (or re-joined, {@code isNew} false). */
  ClusterBroker.Presence joined(Room room, LiveSession session, boolean isNew) {
    try {
      if (!isNew) {
        List<String> members = cluster.members(room.name());
        return new ClusterBroker.Presence(members, members.size(), 0);
      }
      ClusterBroker.Presence presence = cluster.join(room.name(), session.id(), session.nick());
      room.clusterState().seen.put(session, presence.version());
      return presence;
    } catch (RuntimeException e) {
      log.warn("cluster presence unavailable for {}; answering with this node's members", room.name());
      List<String> local = room.memberNicks();
      return new ClusterBroker.Presence(local, local.size(), 0);
    }
  }

  /**
   * Removes {@code session} from the cluster's presence of {@code room} without waiting, then
   * calls {@code notice} with the members left (this node's count if the cluster cannot answer)
   * under the room's delivery lock.
   */
  void left(Room room, LiveSession session, ObjLongConsumer<Integer> notice) {
    room.clusterState().seen.remove(session);
    CompletableFuture<ClusterBroker.Presence> left;
    try {
      left = cluster.leave(room.name(), session.id());
    } catch (RuntimeException e) {
      left = CompletableFuture.failedFuture(e);
    }
    left.whenComplete((presence, error) -> {
      hub.lockDelivery(room);
      try {
        if (error != null) {
          log.debug("cluster presence unavailable for {}; counting this node's members", room.name());
        }
        if (error == null) {
          notice.accept(presence.count(), presence.version());
        } else {
          notice.accept(room.memberNicks().size(), 0);
        }
      } finally {
        hub.unlockDelivery(room);
      }
    });
  }

  int memberCount(Room room) {
    try {
      return cluster.members(room.name()).size();
    } catch (RuntimeException e) {
      return room.memberNicks().size();
    }
  }

  /** {@code session} has a new nick: shows it in the cluster's member lists; returns the change's version. */
  long renamed(LiveSession session) {
    try {
      return cluster.renamed(session.id(), session.nick());
    } catch (RuntimeException e) {
      log.warn("cluster presence unavailable; the new nick shows once it is back");
      return 0;
    }
  }
}
