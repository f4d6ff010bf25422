package io.qingliao.server.internal.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.sqlite.SQLiteConfig;

/**
 * Opens connections to one SQLite database file and knows its schema.
 *
 * <p>Durability choice: WAL journal; the writer commits with {@code synchronous=NORMAL} and then
 * fsyncs the WAL itself ({@link WalSync}) before any ack. After the commit the WAL frames are in
 * the OS page cache: a crash of the process (kill -9) loses nothing, so the rooms may see the
 * messages at once. After the fsync they also survive an OS crash or a power loss, which is what
 * {@code synchronous=FULL} gives, and only then are the senders acked. Group commit pays the
 * fsync once per batch of up to thousands of messages. When WAL mode is not available (a file
 * system without shared memory), the writer falls back to the rollback journal with {@code
 * synchronous=FULL}, where the commit itself is durable.
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
    config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
    config.setBusyTimeout(BUSY_TIMEOUT_MS);
    config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
    Connection connection = config.createConnection("jdbc:sqlite:" + dbFile);
    try (Statement statement = connection.createStatement()) {
      if (!"wal".equalsIgnoreCase(pragma(statement, "journal_mode"))) {
        // No WAL to fsync after the commit: make the commit itself durable.
        statement.execute("PRAGMA synchronous = FULL");
      }
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

  /** The WAL file next to the database, which the writer's commits append to. */
  public Path walFile() {
    return dbFile.resolveSibling(dbFile.getFileName() + "-wal");
  }

  /**
   * True when a commit on this connection is durable by itself ({@code synchronous=FULL} or
   * higher); false when the WAL must still be fsync'ed ({@code NORMAL}).
   */
  static boolean commitsAreDurable(Statement statement) throws SQLException {
    return Integer.parseInt(pragma(statement, "synchronous")) >= 2;
  }

  private static String pragma(Statement statement, String name) throws SQLException {
    try (ResultSet rows = statement.executeQuery("PRAGMA " + name)) {
      if (!rows.next()) {
        throw new SQLException("PRAGMA " + name + " returned nothing");
      }
      return rows.getString(1);
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
