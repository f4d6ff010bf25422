package io.qingliao.server.internal.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.sqlite.SQLiteConfig;

/**
 * Opens connections to one SQLite database file and knows its schema.
 *
 * <p>Durability choice: WAL journal with {@code synchronous=FULL}. A commit returns only after
 * the WAL has been fsync'ed, so an acknowledged message survives a process crash (kill -9, which
 * {@code NORMAL} would also survive, since the WAL write is already in the OS page cache) and an
 * OS crash or power loss (which {@code NORMAL} would not: it may roll back the last commits).
 * The protocol promises that an {@code ack} means stored, and group commit pays the fsync once
 * per batch of up to thousands of messages, so the stronger mode costs little throughput.
 */
public final class SqliteFiles {
  /** The schema: one row per message, clustered by (room, seq) so a seq is stored once. */
  private static final String[] SCHEMA = {
    "CREATE TABLE IF NOT EXISTS messages ("
        + " room TEXT NOT NULL,"
        + " seq INTEGER NOT NULL,"
        + " id TEXT NOT NULL,"
        + " sender TEXT NOT NULL,"
        + " text TEXT NOT NULL,"
        + " ts INTEGER NOT NULL,"
        + " cid TEXT,"
        + " PRIMARY KEY (room, seq)"
        + ") WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS rooms ("
        + " room TEXT NOT NULL PRIMARY KEY,"
        + " last_seq INTEGER NOT NULL"
        + ") WITHOUT ROWID",
  };

  static final int BUSY_TIMEOUT_MS = 2_000;

  private final Path dataDir;
  private final Path dbFile;

  public SqliteFiles(Path dataDir) {
    this.dataDir = dataDir;
    this.dbFile = dataDir.resolve("qingliao.db");
  }

  public Path dbFile() {
    return dbFile;
  }

  /**
   * Opens the writer connection and makes sure the schema exists. Refuses to run when the data
   * directory is missing, so that a vanished mount is reported instead of silently replaced.
   */
  public Connection openWriter() throws SQLException {
    if (!Files.isDirectory(dataDir)) {
      throw new SQLException("data directory is missing: " + dataDir);
    }
    SQLiteConfig config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    config.setBusyTimeout(BUSY_TIMEOUT_MS);
    config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
    Connection connection = config.createConnection("jdbc:sqlite:" + dbFile);
    try (Statement statement = connection.createStatement()) {
      for (String ddl : SCHEMA) {
        statement.execute(ddl);
      }
      connection.setAutoCommit(false);
      return connection;
    } catch (SQLException e) {
      closeQuietly(connection);
      throw e;
    }
  }

  /** Opens a read connection; WAL lets it read while the writer commits. */
  public Connection openReader() throws SQLException {
    if (!Files.exists(dbFile)) {
      throw new SQLException("database file is missing: " + dbFile);
    }
    SQLiteConfig config = new SQLiteConfig();
    config.setBusyTimeout(BUSY_TIMEOUT_MS);
    Connection connection = config.createConnection("jdbc:sqlite:" + dbFile);
    try (Statement statement = connection.createStatement()) {
      statement.execute("PRAGMA query_only = true");
      return connection;
    } catch (SQLException e) {
      closeQuietly(connection);
      throw e;
    }
  }

  /**
   * The identity (device and inode) of the database file now, or null when it is gone. A
   * connection keeps writing into a deleted file without complaint, so the writer compares this
   * before each commit.
   */
  public Object fileKey() {
    try {
      return Files.readAttributes(dbFile, BasicFileAttributes.class).fileKey();
    } catch (IOException e) {
      return null;
    }
  }

  /** True when the database file and its directory (for the WAL) can be written now. */
  public boolean writable() {
    return Files.isWritable(dataDir) && (Files.isWritable(dbFile) || !Files.exists(dbFile));
  }

  static void closeQuietly(AutoCloseable closeable) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (Exception ignored) {
      // Nothing useful to do: the connection is being discarded.
    }
  }
}
