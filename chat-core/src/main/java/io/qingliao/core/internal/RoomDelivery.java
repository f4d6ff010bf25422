package io.qingliao.core.internal;

import io.qingliao.core.ChatMessage;
import io.qingliao.core.ClusterBroker;
import io.qingliao.core.ErrorCode;
import io.qingliao.core.MessageDraft;
import io.qingliao.core.MessageFilter;
import io.qingliao.core.ProtocolError;
import io.qingliao.core.ProtocolException;
import io.qingliao.core.RoomName;
import io.qingliao.core.ServerEvent;
import io.qingliao.core.ServerEvent.SystemKind;
import io.qingliao.core.StoreUnavailableException;
import io.qingliao.core.StoreUnconfirmedException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What members of a room see, in one order per room: stored chats (delivered in seq order once
 * their append completed), joins with their history, leaves and nick notices. See {@link Room}
 * for the locking.
 */
final class RoomDelivery {
  private static final Logger log = LoggerFactory.getLogger(RoomDelivery.class);
  private final RealHub hub;

  RoomDelivery(RealHub hub) {
    this.hub = hub;
  }

  // ---- chats ----

  /**
   * Filters, appends and queues a chat; it is broadcast (and acked to {@code sender}, or
   * completes {@code published}) when its append and every earlier one in the room completed.
   */
  void submit(MessageDraft draft, LiveSession sender, CompletableFuture<ChatMessage> published) {
    String[] rejection = new String[1];
    MessageDraft accepted = filter(draft, rejection);
    if (accepted == null) {
      if (sender != null) {
        sender.sendError(ErrorCode.REJECTED, rejection[0], draft.cid());
      } else {
        published.completeExceptionally(new ProtocolException(ErrorCode.REJECTED, rejection[0]));
      }
      return;
    }
    if (hub.clustered() != null) {
      hub.clustered().submit(accepted, sender, published);
      return;
    }
    Room.Pending pending = null;
    Room room = null;
    while (pending == null) {
      room = hub.roomFor(accepted.room());
      long started = System.nanoTime();
      pending = room.enqueue(() -> hub.store().appendStaged(accepted), sender, accepted.cid(), published);
      if (pending != null) {
        Room target = room;
        // The listener times the append to its durable stage (what the ack waits for); for a
        // store with one stage that is the same moment as the delivery.
        pending.durable().whenComplete((m, e) ->
            hub.listeners().storeAppendCompleted(System.nanoTime() - started, e == null));
        pending.stored().whenComplete((m, e) -> {
          drain(target);
          hub.runDeferred();
        });
      }
    }
  }

  /** Applies the embedder's filter; null means rejected (the reason is in {@code rejection[0]}). */
  private MessageDraft filter(MessageDraft draft, String[] rejection) {
    MessageFilter.FilterResult result;
    try {
      result = hub.filter().apply(draft);
    } catch (RuntimeException e) {
      log.warn("message filter failed; rejecting the message", e);
      rejection[0] = "rejected";
      return null;
    }
    if (result == null || !result.accepted() || result.draft() == null) {
      rejection[0] = result == null || result.rejection() == null ? "rejected" : result.rejection();
      return null;
    }
    MessageDraft changed = result.draft();
    // The filter may change the text (or more), but not move the message to another room.
    return changed.room().equals(draft.room()) ? changed
        : new MessageDraft(changed.id(), draft.room(), changed.from(), changed.text(), changed.ts(), changed.cid());
  }

  /**
   * Delivers the ready head of the room's queue, in order, unless another thread is delivering
   * (it will see what became ready: the check after unlocking closes the race).
   */
  void drain(Room room) {
    while (room.headReady()) {
      if (!hub.tryLockDelivery(room)) {
        return;
      }
      try {
        Room.Pending p;
        while ((p = room.pollReady()) != null) {
          deliver(room, p);
        }
      } finally {
        hub.unlockDeliveryOnly(room);
      }
    }
  }

  private void deliver(Room room, Room.Pending p) {
    ChatMessage message;
    try {
      message = p.stored().join();
    } catch (CompletionException | CancellationException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (p.sender() != null) {
        p.sender().sendError(ErrorCode.SERVER_BUSY, "message not stored, try again later", p.cid());
      }
      if (p.published() != null) {
        p.published().completeExceptionally(cause instanceof StoreUnavailableException ? cause
            : new StoreUnavailableException("message not stored", cause));
      }
      return;
    }
    room.delivered(message.seq());
    int recipients = room.fanOut(new RoomBroadcast(new ServerEvent.ChatEvent(message)), null);
    hub.listeners().chatDelivered(message, recipients);
    if (p.durable() == p.stored()) {
      confirm(p, message, null);
    } else {
      // The store's durable stage comes later (after its fsync), on the store's thread.
      p.durable().whenComplete((durable, failure) -> confirm(p, message, failure));
    }
  }

  /** Acks the sender (or completes the publish) once the chat is durable; or says it could not be confirmed. */
  private void confirm(Room.Pending p, ChatMessage message, Throwable failure) {
    if (failure == null) {
      if (p.sender() != null) {
        p.sender().reply(new ServerEvent.Ack(p.cid(), message.id(), message.room(), message.seq(), message.ts()));
      }
      if (p.published() != null) {
        p.published().complete(message);
      }
      return;
    }
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    // The store logs the failure once per commit; a line per chat would flood the log.
    log.debug("chat {} #{} was delivered but the store could not confirm it durable: {}", message.room(),
        message.seq(), cause.toString());
    if (p.sender() != null) {
      ProtocolError unconfirmed = new ProtocolError(ErrorCode.STORE_UNCONFIRMED,
          "message delivered, but the store could not confirm it is on disk; do not resend it", p.cid());
      p.sender().reply(unconfirmed.toEvent());
      hub.listeners().errorSent(p.sender().id(), ErrorCode.STORE_UNCONFIRMED);
    }
    if (p.published() != null) {
      p.published().completeExceptionally(cause instanceof StoreUnconfirmedException ? cause
          : new StoreUnconfirmedException("message delivered, but not confirmed on disk", cause));
    }
  }

  // ---- membership ----

  /** Joins (or re-joins, making it current) and sends {@code joined} with the right history. */
  void join(LiveSession session, RoomName name, Long since, String cid) {
    if (!session.isIn(name) && session.roomCount() >= hub.config().maxRoomsPerSession()) {
      session.sendError(ErrorCode.ROOM_LIMIT, "a session may be in at most "
          + hub.config().maxRoomsPerSession() + " rooms", cid);
      return;
    }
    while (true) {
      Room room = hub.roomFor(name);
      hub.lockDelivery(room);
      try {
        if (room.isRetired()) {
          continue;
        }
        if (!session.enterRoom(room)) {
          return;
        }
        boolean isNew = !room.contains(session);
        if (isNew) {
          room.addMember(session);
        }
        ClusterDelivery clustered = hub.clustered();
        List<String> members;
        long version = 0;
        if (clustered == null) {
          members = room.memberNicks();
        } else {
          ClusterBroker.Presence presence = clustered.joined(room, session, isNew);
          members = presence.members();
          version = presence.version();
        }
        session.send(joinedReply(room, since, cid, members));
        if (isNew) {
          notice(room, session, SystemKind.JOIN, session.nick(), null, session.nick() + " joined", members.size(),
              version);
          hub.listeners().joined(name, session.nick());
        }
        return;
      } finally {
        hub.unlockDelivery(room);
      }
    }
  }

  /** The {@code joined} reply; caller holds the delivery lock, so history and live meet exactly. */
  private ServerEvent.Joined joinedReply(Room room, Long since, String cid, List<String> members) {
    long latest = room.deliveredSeq();
    List<ChatMessage> history;
    boolean truncated = false;
    try {
      if (since == null) {
        history = capped(hub.store().readBefore(room.name(), latest + 1, hub.config().joinHistory()), latest);
      } else if (since >= latest) {
        history = List.of();
      } else {
        int cap = hub.config().replayCap();
        long missed = latest - since;
        long after = missed > cap ? latest - cap : since;
        history = capped(hub.store().readAfter(room.name(), after, (int) Math.min(missed, cap)), latest);
        // Truncated when more were missed than the cap, or the store no longer holds the oldest.
        truncated = missed > cap || history.isEmpty() || history.get(0).seq() != after + 1;
      }
    } catch (RuntimeException e) {
      history = List.of();
      truncated = since != null && since < latest;
    }
    return new ServerEvent.Joined(room.name(), members, latest, history, truncated, cid);
  }

  /** Drops messages above {@code latest}: appended but not yet delivered, they will come live. */
  private static List<ChatMessage> capped(List<ChatMessage> messages, long latest) {
    if (messages.isEmpty() || messages.get(messages.size() - 1).seq() <= latest) {
      return messages;
    }
    return messages.stream().filter(m -> m.seq() <= latest).toList();
  }

  /** Leaves the room at the session's request. */
  void leave(LiveSession session, Room room, String cid) {
    hub.lockDelivery(room);
    try {
      session.exitRoom(room);
      if (room.removeMember(session)) {
        session.send(new ServerEvent.Left(room.name(), cid));
        noticeLeave(room, session);
        hub.listeners().left(room.name(), session.nick());
      }
      hub.retireIfUnused(room);
    } finally {
      hub.unlockDelivery(room);
    }
  }

  /** Removes a closed session from a room and tells the others. */
  void removeClosed(LiveSession session, Room room) {
    hub.lockDelivery(room);
    try {
      session.exitRoom(room);
      if (room.removeMember(session)) {
        noticeLeave(room, session);
        hub.listeners().left(room.name(), session.nick());
      }
      hub.retireIfUnused(room);
    } finally {
      hub.unlockDelivery(room);
    }
  }

  /** Tells the other members of {@code room} that {@code session} is now {@code nick}. */
  void nickChanged(LiveSession session, Room room, String old, long version) {
    hub.lockDelivery(room);
    try {
      if (room.contains(session)) {
        ClusterDelivery clustered = hub.clustered();
        notice(room, session, SystemKind.NICK, session.nick(), old,
            old + " is now known as " + session.nick(),
            clustered == null ? room.memberNicks().size() : clustered.memberCount(room), version);
      }
    } finally {
      hub.unlockDelivery(room);
    }
  }

  private void noticeLeave(Room room, LiveSession session) {
    String nick = session.nick();
    ClusterDelivery clustered = hub.clustered();
    if (clustered == null) {
      notice(room, session, SystemKind.LEAVE, nick, null, nick + " left", room.memberNicks().size(), 0);
    } else {
      // The cluster's count comes back later, off this thread (which may be a transport's I/O thread).
      clustered.left(room, session,
          (count, version) -> notice(room, session, SystemKind.LEAVE, nick, null, nick + " left", count, version));
    }
  }

  /** Sends a system notice to the other members of {@code room} (and nodes); caller holds the delivery lock. */
  void notice(Room room, LiveSession subject, SystemKind kind, String nick, String old, String text,
      int count, long version) {
    ServerEvent.SystemEvent event =
        new ServerEvent.SystemEvent(room.name(), kind, nick, old, text, count, hub.clock().millis());
    room.fanOut(new RoomBroadcast(event), subject);
    if (hub.clustered() != null) {
      hub.clustered().noticeOthers(event, version);
    }
  }

  // ---- reads ----

  /** Delivered history of a room: never a message that members have not been sent yet. */
  List<ChatMessage> history(RoomName name, long before, int limit) {
    Room room = hub.existingRoom(name);
    long bound = before;
    if (room != null) {
      bound = Math.min(before, room.deliveredSeq() + 1);
    }
    return hub.store().readBefore(name, bound, limit);
  }
}
