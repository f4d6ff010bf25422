package io.qingliao.server.internal.store;

import io.qingliao.core.AppendStages;
import io.qingliao.core.ChatMessage;
import io.qingliao.core.MessageDraft;
import io.qingliao.core.RoomName;
import io.qingliao.core.StoreUnavailableException;
import io.qingliao.core.StoreUnconfirmedException;
import io.qingliao.server.internal.batch.WriteBatch;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sequencer and the single writer of a SQLite store. {@link #append} gives a draft its
 * room's next seq and queues it without any I/O; one thread takes everything queued (up to
 * {@link #MAX_BATCH}), inserts it in one transaction and completes the futures in order once the
 * commit has returned: first the written stage (the commit is in the WAL, in the OS page cache:
 * the rooms get the chats), then, after {@link WalSync#sync} has flushed the WAL to the disk, the
 * durable stage (the senders get their acks). The fsync thus overlaps the fan-out instead of
 * delaying it; see {@link WalSync}.
 *
 * <p>A failed commit fails every future of its batch with {@link StoreUnavailableException},
 * re-bases the rooms of the batch to their committed seq and drops the connection; the next
 * batch opens a new one, so service resumes by itself once the disk is back.
 */
public final class GroupCommitWriter implements AutoCloseable {
  /** Most messages in one transaction. */
  public static final int MAX_BATCH = 4096;
  /** Most messages waiting for a commit; beyond this, appends fail at once (server_busy). */
  public static final int MAX_QUEUED = 100_000;

  private static final Logger log = LoggerFactory.getLogger(GroupCommitWriter.class);
  private static final long CLOSE_TIMEOUT_MS = 30_000;
  private static final String INSERT_MESSAGE =
      "INSERT INTO messages (room, seq, id, sender, text, ts, cid) VALUES (?, ?, ?, ?, ?, ?, ?)";
  private static final String UPSERT_ROOM =
      "INSERT INTO rooms (room, last_seq) VALUES (?, ?)"
          + " ON CONFLICT (room) DO UPDATE SET last_seq = excluded.last_seq";

  private final SqliteFiles files;
  private final ToLongFunction<RoomName> storedMaxSeq;
  private final WalSync walSync;
  private final ConcurrentHashMap<RoomName, RoomSequence> sequences = new ConcurrentHashMap<>();
  private final LinkedBlockingQueue<PendingAppend> queue = new LinkedBlockingQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final ReentrantReadWriteLock admission = new ReentrantReadWriteLock();
  private final Thread thread;
  private boolean closed; // guarded by admission

  // Writer thread only (after the constructor).
  private Connection connection;
  private PreparedStatement insertMessage;
  private PreparedStatement upsertRoom;
  private Statement control;
  private Object openedFileKey;
  /** True when commits run with synchronous=NORMAL and need {@link #walSync} to be durable. */
  private boolean syncAfterCommit;
  private boolean failing;

  private volatile Object currentFileKey;

  /**
   * @param initial an open writer connection from {@link SqliteFiles#openWriter()}, handed over
   * @param storedMaxSeq reads a room's highest stored seq (0 when none); may throw
   *     {@link StoreUnavailableException}
   */
  public GroupCommitWriter(SqliteFiles files, Connection initial, ToLongFunction<RoomName> storedMaxSeq)
      throws SQLException {
    this(files, initial, storedMaxSeq, new WalFileSync(files.walFile()));
  }

  /** As above, with the given way of flushing the WAL (tests make it fail or wait). */
  GroupCommitWriter(SqliteFiles files, Connection initial, ToLongFunction<RoomName> storedMaxSeq,
      WalSync walSync) throws SQLException {
    this.files = files;
    this.storedMaxSeq = storedMaxSeq;
    this.walSync = Objects.requireNonNull(walSync, "walSync");
    adopt(initial);
    this.thread = new Thread(this::run, "qingliao-sqlite-writer");
    thread.setDaemon(true);
    thread.start();
  }

  /** Assigns the next seq of the draft's room and queues it. Never blocks on a commit. */
  public AppendStages append(MessageDraft draft) {
    Objects.requireNonNull(draft, "draft");
    Lock lock = admission.readLock();
    lock.lock();
    try {
      if (closed) {
        return failed(new StoreUnavailableException("store is closed"));
      }
      if (queued.incrementAndGet() > MAX_QUEUED) {
        queued.decrementAndGet();
        return failed(new StoreUnavailableException("store is overloaded"));
      }
      RoomSequence sequence;
      try {
        sequence = sequence(draft.room());
      } catch (StoreUnavailableException e) {
        queued.decrementAndGet();
        return failed(e);
      }
      CompletableFuture<ChatMessage> written = new CompletableFuture<>();
      CompletableFuture<ChatMessage> durable = new CompletableFuture<>();
      synchronized (sequence) {
        ChatMessage message = draft.withSeq(sequence.next());
        queue.add(new PendingAppend(message, sequence, sequence.epoch(), written, durable));
      }
      return new AppendStages(written, durable);
    } finally {
      lock.unlock();
    }
  }

  private static AppendStages failed(StoreUnavailableException failure) {
    return AppendStages.single(CompletableFuture.failedFuture(failure));
  }

  /** The highest seq handed out in {@code room}, or -1 when this writer has not seen the room. */
  public long assignedSeq(RoomName room) {
    RoomSequence sequence = sequences.get(room);
    return sequence == null ? -1 : sequence.assigned();
  }

  /** Identity of the database file the writer currently writes, for readers to follow. */
  public Object currentFileKey() {
    return currentFileKey;
  }

  /** Stops taking appends, commits what is queued, stops the thread. Idempotent. */
  @Override
  public void close() {
    Lock lock = admission.writeLock();
    lock.lock();
    try {
      if (!closed) {
        closed = true;
        queue.add(PendingAppend.STOP);
      }
    } finally {
      lock.unlock();
    }
    try {
      thread.join(CLOSE_TIMEOUT_MS);
      if (thread.isAlive()) {
        log.warn("SQLite writer did not finish within {} ms; interrupting it", CLOSE_TIMEOUT_MS);
        thread.interrupt();
        thread.join(TimeUnit.SECONDS.toMillis(5));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private RoomSequence sequence(RoomName room) {
    RoomSequence sequence = sequences.get(room);
    if (sequence != null) {
      return sequence;
    }
    // First append to this room since open: one primary-key lookup, then kept in memory.
    RoomSequence loaded = new RoomSequence(room, storedMaxSeq.applyAsLong(room));
    RoomSequence raced = sequences.putIfAbsent(room, loaded);
    return raced == null ? loaded : raced;
  }

  private void run() {
    List<PendingAppend> batch = new ArrayList<>(MAX_BATCH);
    boolean stopping = false;
    try {
      while (!stopping) {
        batch.add(queue.take());
        queue.drainTo(batch, MAX_BATCH - 1);
        int last = batch.size() - 1;
        if (batch.get(last) == PendingAppend.STOP) {
          // close() queues STOP after every admitted append, so nothing follows it.
          batch.remove(last);
          stopping = true;
        }
        queued.addAndGet(-batch.size());
        try {
          commit(batch);
        } catch (RuntimeException unexpected) {
          // Keep the writer alive whatever happens; fail whatever this batch left open.
          log.error("SQLite writer failed on a batch", unexpected);
          StoreUnavailableException failure = new StoreUnavailableException("store failure", unexpected);
          batch.forEach(p -> fail(p, failure));
        }
        batch.clear();
      }
    } catch (InterruptedException e) {
      StoreUnavailableException failure = new StoreUnavailableException("store was closed before commit");
      batch.forEach(p -> fail(p, failure));
      List<PendingAppend> rest = new ArrayList<>();
      queue.drainTo(rest);
      rest.forEach(p -> fail(p, failure));
    } finally {
      discardConnection();
    }
  }

  private void commit(List<PendingAppend> batch) {
    List<PendingAppend> live = new ArrayList<>(batch.size());
    for (PendingAppend pending : batch) {
      if (pending.epoch() == pending.sequence().epochForWriter()) {
        live.add(pending);
      } else {
        pending.fail(
            new StoreUnavailableException("an earlier message of room " + pending.message().room() + " failed"));
      }
    }
    if (live.isEmpty()) {
      return;
    }
    Map<RoomSequence, Long> lastSeqs = new IdentityHashMap<>();
    for (PendingAppend pending : live) {
      lastSeqs.merge(pending.sequence(), pending.message().seq(), Math::max);
    }
    try {
      write(live, lastSeqs);
    } catch (SQLException | RuntimeException e) {
      discardConnection();
      if (!failing) {
        log.warn("SQLite commit failed (batch of {}); failing appends until the store recovers: {}", live.size(),
            e.toString());
        failing = true;
      }
      lastSeqs.keySet().forEach(this::rebase);
      StoreUnavailableException failure = new StoreUnavailableException("could not store message: " + e.getMessage(), e);
      live.forEach(p -> fail(p, failure));
      return;
    }
    if (failing) {
      log.info("SQLite store recovered");
      failing = false;
    }
    lastSeqs.forEach(RoomSequence::committed);
    // Completing the written stage broadcasts the chats; in one scope, each member gets the
    // whole commit's chats in one write rather than one write per chat.
    try (WriteBatch scope = WriteBatch.open()) {
      for (PendingAppend pending : live) {
        pending.written().complete(pending.message());
      }
    }
    IOException unsynced = syncWal();
    if (unsynced != null) {
      discardConnection();
      log.error("SQLite WAL fsync failed after a commit of {}: {} messages delivered without an ack", live.size(),
          unsynced.toString());
      failing = true;
      StoreUnconfirmedException failure =
          new StoreUnconfirmedException("could not confirm the message on disk: " + unsynced.getMessage(), unsynced);
      live.forEach(p -> p.durable().completeExceptionally(failure));
      return;
    }
    // Completing the durable stage acks the senders, again one write per sender.
    try (WriteBatch scope = WriteBatch.open()) {
      for (PendingAppend pending : live) {
        pending.durable().complete(pending.message());
      }
    }
  }

  /** Flushes the WAL when commits do not (synchronous=NORMAL); null on success. */
  private IOException syncWal() {
    if (!syncAfterCommit) {
      return null;
    }
    try {
      walSync.sync();
      return null;
    } catch (IOException e) {
      return e;
    }
  }

  private void write(List<PendingAppend> live, Map<RoomSequence, Long> lastSeqs) throws SQLException {
    ensureConnection();
    control.execute("BEGIN IMMEDIATE");
    try {
      for (PendingAppend pending : live) {
        ChatMessage m = pending.message();
        insertMessage.setString(1, m.room().value());
        insertMessage.setLong(2, m.seq());
        insertMessage.setString(3, m.id());
        insertMessage.setString(4, m.from());
        insertMessage.setString(5, m.text());
        insertMessage.setLong(6, m.ts());
        if (m.cid() == null) {
          insertMessage.setNull(7, Types.VARCHAR);
        } else {
          insertMessage.setString(7, m.cid());
        }
        insertMessage.addBatch();
      }
      insertMessage.executeBatch();
      for (PendingAppend pending : live) {
        Long last = lastSeqs.get(pending.sequence());
        if (last != null && last == pending.message().seq()) {
          upsertRoom.setString(1, pending.message().room().value());
          upsertRoom.setLong(2, last);
          upsertRoom.addBatch();
        }
      }
      upsertRoom.executeBatch();
      control.execute("COMMIT");
    } catch (SQLException | RuntimeException e) {
      try {
        control.execute("ROLLBACK");
      } catch (SQLException rollbackFailure) {
        e.addSuppressed(rollbackFailure);
      }
      throw e;
    }
  }

  private void ensureConnection() throws SQLException {
    if (connection != null && !Objects.equals(files.fileKey(), openedFileKey)) {
      discardConnection();
      throw new SQLException("database file was removed or replaced: " + files.dbFile());
    }
    if (connection == null) {
      adopt(files.openWriter());
    }
    if (!files.writable()) {
      // The open descriptor might still accept writes, but a restart could not: refuse now.
      discardConnection();
      throw new SQLException("database file or directory is read-only: " + files.dbFile());
    }
  }

  private void adopt(Connection opened) throws SQLException {
    try {
      insertMessage = opened.prepareStatement(INSERT_MESSAGE);
      upsertRoom = opened.prepareStatement(UPSERT_ROOM);
      control = opened.createStatement();
      opened.setAutoCommit(true);
      syncAfterCommit = !SqliteFiles.commitsAreDurable(control);
    } catch (SQLException e) {
      SqliteFiles.closeQuietly(opened);
      throw e;
    }
    connection = opened;
    openedFileKey = files.fileKey();
    currentFileKey = openedFileKey;
  }

  private void discardConnection() {
    SqliteFiles.closeQuietly(insertMessage);
    SqliteFiles.closeQuietly(upsertRoom);
    SqliteFiles.closeQuietly(control);
    SqliteFiles.closeQuietly(connection);
    walSync.release();
    insertMessage = null;
    upsertRoom = null;
    control = null;
    connection = null;
  }

  /** After a failed commit: later appends of this room continue right after what is stored. */
  private void rebase(RoomSequence sequence) {
    long base = sequence.committed();
    try {
      // A commit reported as failed may still have reached the disk; never reuse its seqs.
      base = Math.max(base, storedMaxSeq.applyAsLong(sequence.room()));
    } catch (RuntimeException e) {
      log.debug("could not read the stored seq while re-basing", e);
    }
    sequence.rebase(base);
  }

  private static void fail(PendingAppend pending, StoreUnavailableException failure) {
    if (pending != PendingAppend.STOP) {
      pending.fail(failure);
    }
  }
}
