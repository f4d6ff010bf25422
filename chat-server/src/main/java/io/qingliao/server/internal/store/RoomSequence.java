package io.qingliao.server.internal.store;

import io.qingliao.core.RoomName;

/**
 * The seq counter of one room. {@code assigned} and {@code epoch} are guarded by this object's
 * monitor; {@code committed} is written only by the writer thread.
 *
 * <p>When a commit fails, the writer re-bases {@code assigned} to the committed seq and bumps
 * {@code epoch}: appends queued under the old epoch hold seqs that are no longer valid and are
 * failed instead of written, so no gap is ever committed.
 */
final class RoomSequence {
  private final RoomName room;
  private long assigned;
  private int epoch;
  private volatile long committed;

  RoomSequence(RoomName room, long committedSeq) {
    this.room = room;
    this.assigned = committedSeq;
    this.committed = committedSeq;
  }

  RoomName room() {
    return room;
  }

  /** Highest seq handed out (committed or pending). */
  synchronized long assigned() {
    return assigned;
  }

  /** Called under this object's monitor by the appender. */
  long next() {
    return ++assigned;
  }

  /** Called under this object's monitor by the appender. */
  int epoch() {
    return epoch;
  }

  /** Read without the monitor by the writer thread, which alone changes the epoch. */
  int epochForWriter() {
    return epoch;
  }

  long committed() {
    return committed;
  }

  /** Writer thread, after a successful commit. */
  void committed(long seq) {
    committed = seq;
  }

  /** Writer thread, after a failed commit: later appends restart right after {@code base}. */
  synchronized void rebase(long base) {
    committed = base;
    assigned = base;
    epoch++;
  }
}
