package io.qingliao.core;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Connects a {@link Hub} to the other nodes of a cluster: the seam between the hub's rules and a
 * shared back end (Redis in {@code chat-server}). Without a broker a hub is embedded: it fans out
 * in process and its {@link MessageStore} is the sequencer. With one, the broker is the
 * sequencer, the history, the presence and the nick registry of the whole cluster, and the hub
 * delivers to its own sessions what the broker hands to {@link ClusterEvents}.
 *
 * <p>Contract the hub relies on:
 * <ul>
 *   <li>{@link #publish} assigns the room's next seq, stores the message and publishes it to every
 *       node (this one included) as one atomic step, so that seq order is the one order every
 *       node sees. Its future completes off the broker's I/O threads, with
 *       {@link StoreUnavailableException} when the cluster could not take the message (then
 *       nothing was stored or published).</li>
 *   <li>{@link ClusterEvents} is called from one broker thread at a time; chats may arrive
 *       twice or ahead of their predecessors (the hub orders them by seq and drops duplicates);
 *       the broker calls {@link ClusterEvents#fillGaps} a little after the hub reports a gap,
 *       and {@link ClusterEvents#catchUp} for a new room and for every room after its event
 *       stream was interrupted.</li>
 *   <li>The synchronous calls (presence, nicks, reads) may do one network round trip and throw
 *       {@link StoreUnavailableException} when the back end cannot answer; they are never called
 *       on the broker's own event thread by the hub except from {@link ClusterEvents} callbacks.</li>
 *   <li>{@link #store()}'s {@code close()} closes the broker.</li>
 * </ul>
 */
public interface ClusterBroker {

  /** Called once, by {@link Hub.Builder#build()}: from then on the broker feeds {@code events}. */
  void attach(ClusterEvents events);

  /** This node's id in the cluster. */
  String nodeId();

  /**
   * The cluster's history: reads of every room on any node; {@code append} is {@link #publish};
   * {@code close} closes the broker.
   */
  MessageStore store();

  /** Sequences, stores and publishes {@code draft} to every node; see the class contract. */
  CompletableFuture<ChatMessage> publish(MessageDraft draft);

  /** The hub now keeps state for {@code room}: call {@link ClusterEvents#catchUp} for it soon. */
  void roomOpened(RoomName room);

  /** A chat of {@code room} arrived ahead of a missing seq: call {@link ClusterEvents#fillGaps} soon. */
  void gapSeen(RoomName room);

  // ---- presence ----

  /**
   * A room's presence after a change: the members on all nodes in join order (empty when only
   * the count was asked for), their number, and the change's version. Versions rise with every
   * presence change in the cluster, so a node can tell a notice its members have already seen in
   * a {@code joined} snapshot from a newer one.
   */
  record Presence(List<String> members, int count, long version) {
    public Presence {
      members = List.copyOf(members);
    }
  }

  /** Adds a session of this node to {@code room}; the members on all nodes include it. */
  Presence join(RoomName room, String sessionId, String nick);

  /**
   * Removes a session of this node from {@code room} without blocking; completes (off the
   * caller's thread, or at once when it fails) with the count left on all nodes.
   */
  CompletableFuture<Presence> leave(RoomName room, String sessionId);

  /** A session of this node now shows {@code nick} in every room it is in; returns the change's version. */
  long renamed(String sessionId, String nick);

  /**
   * Sends a system notice of this node, about the presence change {@code version}, to the
   * members of its room on the other nodes; never throws.
   */
  void notice(ServerEvent.SystemEvent event, long version);

  /** The room's live members on all nodes, in join order (one entry per session). */
  List<String> members(RoomName room);

  /** Rooms with live members or stored messages on any node, by name. */
  List<RoomSummary> rooms();

  /** One room's summary across the cluster; empty when unknown. */
  Optional<RoomSummary> room(RoomName room);

  // ---- nicks and direct messages ----

  /** A {@code guest-N} nick unique in the cluster, not yet claimed. */
  String guestNick();

  /** Claims {@code nick} cluster-wide for a session of this node; false when another user holds it. */
  boolean claimNick(String nick, String subject, String sessionId);

  /** Releases a claim of a session of this node; never throws. */
  void releaseNick(String nick, String sessionId);

  /**
   * Hands {@code dm} to the sessions holding {@code dm.to()} on the other nodes; returns how many
   * live sessions hold that nick on all nodes, this one included.
   */
  int dm(ServerEvent.DirectMessage dm);
}
