package io.qingliao.server;

import io.qingliao.core.AppendStages;
import io.qingliao.core.ChatMessage;
import io.qingliao.core.MessageDraft;
import io.qingliao.core.MessageStore;
import io.qingliao.core.RoomName;
import io.qingliao.core.StoreUnavailableException;
import io.qingliao.server.internal.store.GroupCommitWriter;
import io.qingliao.server.internal.store.SqliteFiles;
import io.qingliao.server.internal.store.SqliteReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Durable chat history in one SQLite file, {@code dataDir/qingliao.db}, in WAL mode.
 *
 * <p>{@link #append} assigns the room's next seq at once (the first append to a room after
 * opening reads its highest stored seq once) and queues the message; a single writer thread
 * commits everything queued in one transaction (group commit, up to
 * {@value GroupCommitWriter#MAX_BATCH} messages), then completes the appends in two stages (see
 * {@link #appendStaged}): written once the commit returned (the WAL holds it: it survives a crash
 * of the process, and the room may see it), durable once the WAL has been fsync'ed (it survives a
 * crash of the machine too). {@link #append}'s future is the durable stage, and so is the
 * {@code ack}.
 *
 * <p>When a commit fails (disk full, read-only or vanished directory, deleted database file),
 * every future of that batch fails with {@link StoreUnavailableException}, the rooms' counters go
 * back to their committed seq so that no gap is ever stored, and the next batch tries a fresh
 * connection: the store resumes by itself once the disk is usable again.
 *
 * <p>Reads use their own pooled connections and see every committed message.
 */
public final class SqliteMessageStore implements MessageStore {
  private final SqliteReader reader;
  private final GroupCommitWriter writer;
  private final AtomicBoolean closed = new AtomicBoolean();

  private SqliteMessageStore(SqliteFiles files) throws SQLException {
    Connection initial = files.openWriter();
    this.reader = new SqliteReader(files, this::writerFileKey);
    try {
      this.writer = new GroupCommitWriter(files, initial, reader::maxSeq);
    } catch (SQLException | RuntimeException e) {
      reader.close();
      throw e;
    }
  }

  /**
   * Opens (creating if needed) the store in {@code dataDir}.
   *
   * @throws StoreUnavailableException when the directory or the database cannot be opened
   */
  public static SqliteMessageStore open(Path dataDir) {
    Objects.requireNonNull(dataDir, "dataDir");
    try {
      Files.createDirectories(dataDir);
      return new SqliteMessageStore(new SqliteFiles(dataDir));
    } catch (IOException | SQLException e) {
      throw new StoreUnavailableException("cannot open the SQLite store in " + dataDir + ": " + e.getMessage(), e);
    }
  }

  @Override
  public CompletableFuture<ChatMessage> append(MessageDraft draft) {
    return writer.append(draft).durable();
  }

  @Override
  public AppendStages appendStaged(MessageDraft draft) {
    return writer.append(draft);
  }

  @Override
  public List<ChatMessage> readAfter(RoomName room, long afterSeq, int limit) {
    return reader.after(Objects.requireNonNull(room, "room"), afterSeq, limit);
  }

  @Override
  public List<ChatMessage> readBefore(RoomName room, long beforeSeq, int limit) {
    return reader.before(Objects.requireNonNull(room, "room"), beforeSeq, limit);
  }

  /** The highest seq assigned in {@code room}, including messages not yet committed. */
  @Override
  public long latestSeq(RoomName room) {
    long assigned = writer.assignedSeq(Objects.requireNonNull(room, "room"));
    return assigned >= 0 ? assigned : reader.maxSeq(room);
  }

  @Override
  public List<RoomName> rooms() {
    return reader.rooms();
  }

  /** The file the writer writes now, so that readers follow it when it is replaced. */
  private Object writerFileKey() {
    GroupCommitWriter current = this.writer;
    return current == null ? null : current.currentFileKey();
  }

  /** Commits every pending append, stops the writer thread and closes the connections. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      writer.close();
      reader.close();
    }
  }
}
