package io.qingliao.server.internal.store;

import io.qingliao.core.ChatMessage;
import io.qingliao.core.RoomName;
import io.qingliao.core.StoreUnavailableException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Reads through a small pool of read connections, apart from the writer: in WAL mode readers
 * see the last commit and never wait for the writer. A connection whose query failed, or that
 * still points at a database file the writer has since replaced, is closed and reopened.
 */
public final class SqliteReader implements AutoCloseable {
  private static final int MAX_CONNECTIONS = 4;
  private static final long BORROW_TIMEOUT_MS = 5_000;
  private static final String COLUMNS = "room, seq, id, sender, text, ts, cid";

  private final SqliteFiles files;
  private final Supplier<Object> currentFileKey;
  private final BlockingQueue<Pooled> idle = new ArrayBlockingQueue<>(MAX_CONNECTIONS);
  private final Semaphore permits = new Semaphore(MAX_CONNECTIONS);
  private volatile boolean closed;

  private record Pooled(Connection connection, Object fileKey) {}

  @FunctionalInterface
  private interface Query<T> {
    T run(Connection connection) throws SQLException;
  }

  /** @param currentFileKey identity of the file the writer writes now (null: unknown) */
  public SqliteReader(SqliteFiles files, Supplier<Object> currentFileKey) {
    this.files = files;
    this.currentFileKey = currentFileKey;
  }

  /** Up to {@code limit} messages with {@code seq > afterSeq}, ascending. */
  public List<ChatMessage> after(RoomName room, long afterSeq, int limit) {
    if (limit <= 0) {
      return List.of();
    }
    return query(connection -> {
      try (PreparedStatement statement = connection.prepareStatement(
          "SELECT " + COLUMNS + " FROM messages WHERE room = ? AND seq > ? ORDER BY seq ASC LIMIT ?")) {
        statement.setString(1, room.value());
        statement.setLong(2, afterSeq);
        statement.setInt(3, limit);
        return List.copyOf(messages(statement, limit));
      }
    });
  }

  /** The newest {@code limit} messages with {@code seq < beforeSeq}, ascending. */
  public List<ChatMessage> before(RoomName room, long beforeSeq, int limit) {
    if (limit <= 0) {
      return List.of();
    }
    return query(connection -> {
      try (PreparedStatement statement = connection.prepareStatement(
          "SELECT " + COLUMNS + " FROM messages WHERE room = ? AND seq < ? ORDER BY seq DESC LIMIT ?")) {
        statement.setString(1, room.value());
        statement.setLong(2, beforeSeq);
        statement.setInt(3, limit);
        List<ChatMessage> newestFirst = messages(statement, limit);
        Collections.reverse(newestFirst);
        return List.copyOf(newestFirst);
      }
    });
  }

  /** The highest stored seq of {@code room}, or 0. */
  public long maxSeq(RoomName room) {
    return query(connection -> {
      try (PreparedStatement statement =
          connection.prepareStatement("SELECT MAX(seq) FROM messages WHERE room = ?")) {
        statement.setString(1, room.value());
        try (ResultSet rows = statement.executeQuery()) {
          return rows.next() ? rows.getLong(1) : 0L;
        }
      }
    });
  }

  /** Every room with at least one stored message, by name. */
  public List<RoomName> rooms() {
    return query(connection -> {
      try (PreparedStatement statement = connection.prepareStatement("SELECT room FROM rooms ORDER BY room");
          ResultSet rows = statement.executeQuery()) {
        List<RoomName> rooms = new ArrayList<>();
        while (rows.next()) {
          rooms.add(new RoomName(rows.getString(1)));
        }
        return List.copyOf(rooms);
      }
    });
  }

  /** Closes idle connections; connections in use are closed when they come back. Idempotent. */
  @Override
  public void close() {
    closed = true;
    Pooled pooled;
    while ((pooled = idle.poll()) != null) {
      SqliteFiles.closeQuietly(pooled.connection());
    }
  }

  private static List<ChatMessage> messages(PreparedStatement statement, int limit) throws SQLException {
    List<ChatMessage> messages = new ArrayList<>(Math.min(limit, 256));
    try (ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        messages.add(new ChatMessage(rows.getString(3), new RoomName(rows.getString(1)), rows.getLong(2),
            rows.getString(4), rows.getString(5), rows.getLong(6), rows.getString(7)));
      }
    }
    return messages;
  }

  private <T> T query(Query<T> query) {
    if (closed) {
      throw new StoreUnavailableException("store is closed");
    }
    try {
      if (!permits.tryAcquire(BORROW_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
        throw new StoreUnavailableException("no read connection available");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreUnavailableException("interrupted while waiting for a read connection");
    }
    Pooled pooled = null;
    try {
      pooled = borrow();
      T result = query.run(pooled.connection());
      giveBack(pooled);
      pooled = null;
      return result;
    } catch (SQLException e) {
      throw new StoreUnavailableException("could not read the store: " + e.getMessage(), e);
    } finally {
      if (pooled != null) {
        SqliteFiles.closeQuietly(pooled.connection());
      }
      permits.release();
    }
  }

  private Pooled borrow() throws SQLException {
    Object fileKey = currentFileKey.get();
    Pooled pooled = idle.poll();
    if (pooled != null && fileKey != null && !Objects.equals(pooled.fileKey(), fileKey)) {
      SqliteFiles.closeQuietly(pooled.connection());
      pooled = null;
    }
    if (pooled == null) {
      Connection connection = files.openReader();
      pooled = new Pooled(connection, files.fileKey());
    }
    return pooled;
  }

  private void giveBack(Pooled pooled) {
    if (closed || !idle.offer(pooled)) {
      SqliteFiles.closeQuietly(pooled.connection());
    }
  }
}
