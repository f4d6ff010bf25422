package io.qingliao.server.internal.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.qingliao.core.AppendStages;
import io.qingliao.core.ChatMessage;
import io.qingliao.core.MessageDraft;
import io.qingliao.core.RoomName;
import io.qingliao.core.StoreUnconfirmedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer's two stages: a commit (synchronous=NORMAL) completes the written stage, which the
 * rooms see; the WAL's fsync completes the durable stage, which the acks wait for.
 */
@Timeout(30)
class GroupCommitWriterStagesTest {
  private static final RoomName ROOM = new RoomName("大厅");

  @TempDir Path dir;
  private final List<AutoCloseable> opened = new ArrayList<>();

  @AfterEach
  void closeEverything() throws Exception {
    for (int i = opened.size() - 1; i >= 0; i--) {
      opened.get(i).close();
    }
  }

  @Test
  void theWriterCommitsWithSynchronousNormalAndLeavesTheFsyncToTheWalSync() throws Exception {
    SqliteFiles files = new SqliteFiles(dir);
    try (Connection writer = files.openWriter(); Statement statement = writer.createStatement()) {
      writer.setAutoCommit(true); // the writer keeps a transaction open; PRAGMA synchronous needs none
      assertThat(SqliteFiles.commitsAreDurable(statement)).isFalse();
      assertThat(pragma(statement, "journal_mode")).isEqualToIgnoringCase("wal");
      statement.execute("PRAGMA synchronous = FULL");
      assertThat(SqliteFiles.commitsAreDurable(statement)).isTrue();
    }
  }

  @Test
  void aChatIsWrittenAndReadableBeforeTheWalSyncAndDurableOnlyAfterIt() throws Exception {
    SqliteFiles files = new SqliteFiles(dir);
    GatedWalSync gate = new GatedWalSync(new WalFileSync(files.walFile()));
    GroupCommitWriter writer = writer(files, gate);

    AppendStages stages = writer.append(draft("先看到"));
    ChatMessage written = stages.written().get(10, TimeUnit.SECONDS);
    assertThat(gate.entered.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(stages.durable()).as("durable before the fsync").isNotDone();
    assertThat(storedTexts(files)).containsExactly("先看到");

    gate.open.countDown();
    assertThat(stages.durable().get(10, TimeUnit.SECONDS)).isSameAs(written);
  }

  @Test
  void theWalIsSyncedOncePerCommitNotPerMessage() throws Exception {
    SqliteFiles files = new SqliteFiles(dir);
    GatedWalSync gate = new GatedWalSync(new WalFileSync(files.walFile()));
    GroupCommitWriter writer = writer(files, gate);
    writer.append(draft("first"));
    assertThat(gate.entered.await(10, TimeUnit.SECONDS)).isTrue();
    // While the writer waits in the first fsync, 500 more queue up: one commit, one more fsync.
    List<AppendStages> queued = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      queued.add(writer.append(draft("m" + i)));
    }
    gate.open.countDown();
    for (AppendStages stages : queued) {
      stages.durable().get(10, TimeUnit.SECONDS);
    }
    assertThat(gate.syncs).hasValue(2);
  }

  /** The real WAL sync, held at its first call until {@link #open} (20 s at most); counts calls. */
  private static final class GatedWalSync implements WalSync {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch open = new CountDownLatch(1);
    final AtomicInteger syncs = new AtomicInteger();
    private final WalSync real;

    GatedWalSync(WalSync real) {
      this.real = real;
    }

    @Override
    public void sync() throws IOException {
      syncs.incrementAndGet();
      entered.countDown();
      try {
        open.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      real.sync();
    }

    @Override
    public void release() {
      real.release();
    }
  }

  @Test
  void aFailedWalSyncLeavesTheChatStoredButUnconfirmedAndTheNextCommitRecovers() throws Exception {
    AtomicInteger syncs = new AtomicInteger();
    SqliteFiles files = new SqliteFiles(dir);
    WalFileSync real = new WalFileSync(files.walFile());
    GroupCommitWriter writer = writer(files, new WalSync() {
      @Override
      public void sync() throws IOException {
        if (syncs.incrementAndGet() == 1) {
          throw new IOException("EIO (injected)");
        }
        real.sync();
      }

      @Override
      public void release() {
        real.release();
      }
    });

    AppendStages first = writer.append(draft("shown, not confirmed"));
    ChatMessage written = first.written().get(10, TimeUnit.SECONDS);
    assertThatThrownBy(() -> first.durable().get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(StoreUnconfirmedException.class)
        .hasMessageContaining("EIO (injected)");

    AppendStages second = writer.append(draft("after"));
    ChatMessage next = second.durable().get(10, TimeUnit.SECONDS);
    assertThat(next.seq()).as("the unconfirmed chat keeps its seq").isEqualTo(written.seq() + 1);
    assertThat(storedTexts(files)).containsExactly("shown, not confirmed", "after");
  }

  @Test
  void theWalFileSyncNeverCreatesAMissingWal() {
    WalFileSync sync = new WalFileSync(dir.resolve("absent.db-wal"));
    assertThatThrownBy(sync::sync).isInstanceOf(NoSuchFileException.class);
    assertThat(Files.exists(dir.resolve("absent.db-wal"))).isFalse();
    sync.release();
  }

  private GroupCommitWriter writer(SqliteFiles files, WalSync sync) throws SQLException {
    GroupCommitWriter writer = new GroupCommitWriter(files, files.openWriter(), room -> 0L, sync);
    opened.add(writer);
    return writer;
  }

  private static MessageDraft draft(String text) {
    return new MessageDraft(UUID.randomUUID().toString(), ROOM, "alice", text, 1_700_000_000_000L, null);
  }

  private List<String> storedTexts(SqliteFiles files) throws SQLException {
    List<String> texts = new ArrayList<>();
    try (Connection reader = files.openReader(); Statement statement = reader.createStatement();
        ResultSet rows = statement.executeQuery("SELECT text FROM messages ORDER BY seq")) {
      while (rows.next()) {
        texts.add(rows.getString(1));
      }
    }
    return texts;
  }

  private static String pragma(Statement statement, String name) throws SQLException {
    try (ResultSet rows = statement.executeQuery("PRAGMA " + name)) {
      rows.next();
      return rows.getString(1);
    }
  }
}
