package io.qingliao.core;

import java.util.List;

/**
 * What a {@link ClusterBroker} hands to its hub: events from every node of the cluster, for the
 * hub's own sessions. Called from one broker thread at a time; may do blocking reads through
 * the broker.
 */
public interface ClusterEvents {

  /** A stored chat, possibly a duplicate or ahead of a missing seq; the hub delivers in seq order. */
  void chat(ChatMessage message);

  /**
   * A system notice of another node about presence change {@code version}, for this node's
   * members of its room whose {@code joined} snapshot is older than that change.
   */
  void notice(ServerEvent.SystemEvent event, long version);

  /** A direct message for this node's sessions holding {@code dm.to()}. */
  void dm(ServerEvent.DirectMessage dm);

  /**
   * Reads what the hub has not delivered yet of {@code room} (up to the room's latest seq) from
   * the history and delivers it: after the event stream was interrupted, or for a new room.
   */
  void catchUp(RoomName room);

  /**
   * Reads the seqs still missing below the chats that arrived ahead of them, and delivers them;
   * does nothing (and asks the broker nothing) when no chat is waiting.
   */
  void fillGaps(RoomName room);

  /** The rooms this node keeps state for (to catch up after an interruption). */
  List<RoomName> rooms();
}
