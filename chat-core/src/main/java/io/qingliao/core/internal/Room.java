package io.qingliao.core.internal;

import io.qingliao.core.AppendStages;
import io.qingliao.core.ChatMessage;
import io.qingliao.core.RoomName;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * One room's live state. Two locks, always taken in this order and never two rooms at once:
 * <ul>
 *   <li>{@link #deliveryLock} serializes everything members see: membership changes, the
 *       fan-out of stored chats, system notices, and the {@code joined} reply with its history.
 *       Whoever holds it sees a consistent {@link #deliveredSeq} and member list.</li>
 *   <li>the {@code appendLock} monitor, held only to call {@code store.append} and enqueue the
 *       future, so that seq order and queue order agree.</li>
 * </ul>
 * Chats are appended in order, complete in any order, and are delivered strictly in seq order
 * from the head of {@link #pending} by whichever thread holds the delivery lock.
 */
final class Room {
  /**
   * A chat whose store append may still be running: delivered when {@code stored} (the append's
   * written stage) completes, acked when {@code durable} does.
   */
  record Pending(CompletableFuture<ChatMessage> stored, CompletableFuture<ChatMessage> durable,
      LiveSession sender, String cid, CompletableFuture<ChatMessage> published) {}

  private static final LiveSession[] NO_MEMBERS = new LiveSession[0];

  private final RoomName name;
  final ReentrantLock deliveryLock = new ReentrantLock();
  private final Object appendLock = new Object();
  private final ArrayDeque<Pending> pending = new ArrayDeque<>();
  /** Copy-on-write under the delivery lock, so binary relays can read it without locking. */
  private volatile LiveSession[] members = NO_MEMBERS;
  /** The seq of the last chat delivered to members; guarded by the delivery lock. */
  private volatile long deliveredSeq;
  private boolean retired;
  /** Cluster nodes only: chats ahead of a missing seq and senders awaiting acks (delivery lock). */
  private ClusterDelivery.RoomState clusterState;

  Room(RoomName name, long latestStoredSeq) {
    this.name = name;
    this.deliveredSeq = latestStoredSeq;
  }

  RoomName name() {
    return name;
  }

  // ---- append side (appendLock) ----

  /** Appends via {@code append} and queues the result, unless the room was retired (then null). */
  Pending enqueue(Supplier<AppendStages> append, LiveSession sender,
      String cid, CompletableFuture<ChatMessage> published) {
    synchronized (appendLock) {
      if (retired) {
        return null;
      }
      AppendStages stages;
      try {
        stages = append.get();
      } catch (RuntimeException e) {
        stages = AppendStages.single(CompletableFuture.failedFuture(e));
      }
      Pending p = new Pending(stages.written(), stages.durable(), sender, cid, published);
      pending.add(p);
      return p;
    }
  }

  /** The head of the queue if its append has completed, removed from the queue; else null. */
  Pending pollReady() {
    synchronized (appendLock) {
      Pending head = pending.peek();
      if (head != null && head.stored().isDone()) {
        return pending.poll();
      }
      return null;
    }
  }

  boolean headReady() {
    synchronized (appendLock) {
      Pending head = pending.peek();
      return head != null && head.stored().isDone();
    }
  }

  /**
   * Retires the room if it has no members, nothing pending and nothing stored, so that it can
   * be forgotten. Caller holds the delivery lock.
   */
  boolean retireIfUnused(boolean hasStoredMessages) {
    synchronized (appendLock) {
      if (members.length == 0 && pending.isEmpty() && deliveredSeq == 0 && !hasStoredMessages) {
        retired = true;
      }
      return retired;
    }
  }

  boolean isRetired() {
    synchronized (appendLock) {
      return retired;
    }
  }

  // ---- delivery side (deliveryLock) ----

  /** The cluster-side state of this room, created on first use; caller holds the delivery lock. */
  ClusterDelivery.RoomState clusterState() {
    ClusterDelivery.RoomState state = clusterState;
    if (state == null) {
      state = new ClusterDelivery.RoomState();
      clusterState = state;
    }
    return state;
  }

  long deliveredSeq() {
    return deliveredSeq;
  }

  void delivered(long seq) {
    deliveredSeq = seq;
  }

  LiveSession[] members() {
    return members;
  }

  int memberCount() {
    return members.length;
  }

  boolean contains(LiveSession session) {
    for (LiveSession s : members) {
      if (s == session) {
        return true;
      }
    }
    return false;
  }

  void addMember(LiveSession session) {
    LiveSession[] current = members;
    LiveSession[] next = Arrays.copyOf(current, current.length + 1);
    next[current.length] = session;
    members = next;
  }

  boolean removeMember(LiveSession session) {
    LiveSession[] current = members;
    for (int i = 0; i < current.length; i++) {
      if (current[i] == session) {
        LiveSession[] next = new LiveSession[current.length - 1];
        System.arraycopy(current, 0, next, 0, i);
        System.arraycopy(current, i + 1, next, i, current.length - i - 1);
        members = next;
        return true;
      }
    }
    return false;
  }

  /** Nicks of the live members in join order (one entry per session). */
  List<String> memberNicks() {
    LiveSession[] current = members;
    List<String> nicks = new ArrayList<>(current.length);
    for (LiveSession s : current) {
      if (!s.isClosing()) {
        nicks.add(s.nick());
      }
    }
    return nicks;
  }

  /** Sends {@code broadcast} to every member except {@code except}; returns how many got it. */
  int fanOut(RoomBroadcast broadcast, LiveSession except) {
    int sent = 0;
    for (LiveSession s : members) {
      if (s != except && s.sendShared(broadcast)) {
        sent++;
      }
    }
    return sent;
  }
}
