package io.qingliao.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.qingliao.core.AppendStages;
import io.qingliao.core.ChatMessage;
import io.qingliao.core.MessageDraft;
import io.qingliao.core.RoomName;
import io.qingliao.core.StoreUnavailableException;
import io.qingliao.server.testing.NoLeakedThreads;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(NoLeakedThreads.class)
@Timeout(60)
class SqliteMessageStoreTest {
  private static final RoomName ALPHA = new RoomName("alpha");
  private static final RoomName BETA = new RoomName("beta");

  @TempDir Path dir;
  private final List<SqliteMessageStore> opened = new ArrayList<>();

  @AfterEach
  void closeStoresAndCheckThreads() throws Exception {
    opened.forEach(SqliteMessageStore::close);
    assertThat(writerThreads()).as("writer threads left behind").isEmpty();
  }

  @Test
  void appendAssignsSeqFromOneAndReadsPageInAscendingOrder() throws Exception {
    SqliteMessageStore store = open(dir);
    for (int i = 1; i <= 10; i++) {
      ChatMessage stored = store.append(draft(ALPHA, "a" + i)).get(10, TimeUnit.SECONDS);
      assertThat(stored.seq()).isEqualTo(i);
      assertThat(stored.text()).isEqualTo("a" + i);
    }
    assertThat(store.append(draft(BETA, "b1")).get(10, TimeUnit.SECONDS).seq()).isEqualTo(1);

    assertThat(seqs(store.readAfter(ALPHA, 0, 100))).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
    assertThat(seqs(store.readAfter(ALPHA, 3, 4))).containsExactly(4L, 5L, 6L, 7L);
    assertThat(seqs(store.readAfter(ALPHA, 10, 5))).isEmpty();
    assertThat(seqs(store.readBefore(ALPHA, Long.MAX_VALUE, 3))).containsExactly(8L, 9L, 10L);
    assertThat(seqs(store.readBefore(ALPHA, 8, 3))).containsExactly(5L, 6L, 7L);
    assertThat(seqs(store.readBefore(ALPHA, 3, 50))).containsExactly(1L, 2L);
    assertThat(store.readBefore(ALPHA, Long.MAX_VALUE, 0)).isEmpty();
    assertThat(store.readAfter(ALPHA, 0, 1).get(0).text()).isEqualTo("a1");
    assertThat(store.latestSeq(ALPHA)).isEqualTo(10);
    assertThat(store.latestSeq(BETA)).isEqualTo(1);
    assertThat(store.latestSeq(new RoomName("nowhere"))).isZero();
    assertThat(store.readAfter(new RoomName("nowhere"), 0, 10)).isEmpty();
    assertThat(store.rooms()).containsExactly(ALPHA, BETA);
  }

  @Test
  void reopenKeepsHistoryAndContinuesSeq() throws Exception {
    SqliteMessageStore first = open(dir);
    for (int i = 0; i < 5; i++) {
      first.append(draft(ALPHA, "before restart " + i)).get(10, TimeUnit.SECONDS);
    }
    first.close();

    SqliteMessageStore second = open(dir);
    assertThat(second.latestSeq(ALPHA)).isEqualTo(5);
    assertThat(second.append(draft(ALPHA, "after restart")).get(10, TimeUnit.SECONDS).seq()).isEqualTo(6);
    List<ChatMessage> history = second.readAfter(ALPHA, 0, 100);
    assertThat(seqs(history)).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
    assertThat(history.get(0).text()).isEqualTo("before restart 0");
    assertThat(history.get(5).text()).isEqualTo("after restart");
    assertThat(second.rooms()).containsExactly(ALPHA);
  }

  @Test
  void abandonedStoreKeepsEveryAckedMessage() throws Exception {
    SqliteMessageStore abandoned = open(dir);
    List<CompletableFuture<ChatMessage>> futures = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      futures.add(abandoned.append(draft(i % 2 == 0 ? ALPHA : BETA, "m" + i)));
    }
    CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);

    // No close(): a second store on the same directory must see every acknowledged message.
    SqliteMessageStore survivor = open(dir);
    assertThat(seqs(survivor.readAfter(ALPHA, 0, 1000))).isEqualTo(LongStream.rangeClosed(1, 250).boxed().toList());
    assertThat(seqs(survivor.readAfter(BETA, 0, 1000))).isEqualTo(LongStream.rangeClosed(1, 250).boxed().toList());
  }

  @Test
  void killedProcessKeepsEveryAckedMessage() throws Exception {
    assertAKilledWriterKeepsWhatItReported("durable");
  }

  /**
   * The written stage (a commit with synchronous=NORMAL, before the WAL's fsync) is what the
   * rooms are shown: it must survive a crash of the process, since the OS has the WAL's pages.
   */
  @Test
  void killedProcessKeepsEveryMessageItsRoomsWereShown() throws Exception {
    assertAKilledWriterKeepsWhatItReported("written");
  }

  private void assertAKilledWriterKeepsWhatItReported(String stage) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        CrashingWriter.class.getName(), dir.toString(), "50000", stage)
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    Set<Long> reported = new HashSet<>();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while (reported.size() < 300 && (line = out.readLine()) != null) {
        reported.add(Long.parseLong(line.trim()));
      }
      // SIGKILL while appends are still in flight; the handle (unlike Process) keeps the pipe
      // open, so every ack printed before the kill is read below.
      child.toHandle().destroyForcibly();
      assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
      while ((line = out.readLine()) != null) {
        reported.add(Long.parseLong(line.trim()));
      }
    }
    assertThat(reported).hasSizeGreaterThanOrEqualTo(300);
    assertThat(reported).as("killed while appends were in flight").hasSizeLessThan(50_000);

    SqliteMessageStore survivor = open(dir);
    List<ChatMessage> stored = survivor.readAfter(ALPHA, 0, 100_000);
    Set<Long> storedSeqs = new HashSet<>(seqs(stored));
    assertThat(storedSeqs).containsAll(reported);
    assertThat(seqs(stored)).isEqualTo(LongStream.rangeClosed(1, stored.size()).boxed().toList());
    assertThat(stored).hasSizeLessThan(50_000);
    assertThat(survivor.append(draft(ALPHA, "after crash")).get(10, TimeUnit.SECONDS).seq()).isEqualTo(stored.size() + 1);
  }

  @Test
  void concurrentAppendsFromManyThreadsGiveGaplessSeqsPerRoom() throws Exception {
    SqliteMessageStore store = open(dir);
    List<RoomName> rooms = List.of(ALPHA, BETA, new RoomName("gamma"), new RoomName("大厅"));
    int threads = 8;
    int perThread = 1000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<CompletableFuture<List<ChatMessage>>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        results.add(CompletableFuture.supplyAsync(() -> {
          List<CompletableFuture<ChatMessage>> mine = new ArrayList<>();
          for (int i = 0; i < perThread; i++) {
            mine.add(store.append(draft(rooms.get(i % rooms.size()), thread + ":" + i)));
          }
          return mine.stream().map(CompletableFuture::join).toList();
        }, pool));
      }
      List<ChatMessage> acked = new ArrayList<>();
      for (CompletableFuture<List<ChatMessage>> result : results) {
        List<ChatMessage> mine = result.get(40, TimeUnit.SECONDS);
        // One thread's messages to one room get rising seqs, in the order it appended them.
        for (RoomName room : rooms) {
          List<Long> inRoom = mine.stream().filter(m -> m.room().equals(room)).map(ChatMessage::seq).toList();
          assertThat(inRoom).isSorted().doesNotHaveDuplicates();
        }
        acked.addAll(mine);
      }
      long expectedPerRoom = (long) threads * perThread / rooms.size();
      for (RoomName room : rooms) {
        List<ChatMessage> stored = store.readAfter(room, 0, 100_000);
        assertThat(seqs(stored)).isEqualTo(LongStream.rangeClosed(1, expectedPerRoom).boxed().toList());
        Set<String> ackedIds = acked.stream().filter(m -> m.room().equals(room)).map(m -> m.id() + "@" + m.seq())
            .collect(Collectors.toSet());
        assertThat(stored.stream().map(m -> m.id() + "@" + m.seq()).collect(Collectors.toSet())).isEqualTo(ackedIds);
      }
    } finally {
      pool.shutdownNow();
      assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void readOnlyDirectoryFailsAppendsWithoutGapThenRecovers() throws Exception {
    SqliteMessageStore store = open(dir);
    assertThat(store.append(draft(ALPHA, "one")).get(10, TimeUnit.SECONDS).seq()).isEqualTo(1);
    ReadOnly.apply(dir);
    try {
      for (int i = 0; i < 3; i++) {
        assertThatThrownBy(() -> store.append(draft(ALPHA, "lost")).get(10, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class)
            .hasCauseInstanceOf(StoreUnavailableException.class);
      }
      assertThat(seqs(store.readAfter(ALPHA, 0, 10))).containsExactly(1L);
    } finally {
      ReadOnly.undo(dir);
    }
    assertThat(store.append(draft(ALPHA, "two")).get(10, TimeUnit.SECONDS).seq()).isEqualTo(2);
    List<ChatMessage> history = store.readAfter(ALPHA, 0, 10);
    assertThat(seqs(history)).containsExactly(1L, 2L);
    assertThat(history.get(1).text()).isEqualTo("two");
  }

  @Test
  void outageInTheMiddleOfAStreamNeverCommitsAGap() throws Exception {
    SqliteMessageStore store = open(dir);
    Set<String> ackedIds = new HashSet<>();
    Set<String> failedIds = new HashSet<>();
    for (int round = 0; round < 12; round++) {
      if (round == 4) {
        ReadOnly.apply(dir);
      }
      if (round == 8) {
        ReadOnly.undo(dir);
      }
      List<MessageDraft> drafts = new ArrayList<>();
      List<CompletableFuture<ChatMessage>> futures = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        MessageDraft draft = draft(ALPHA, "round " + round + " #" + i);
        drafts.add(draft);
        futures.add(store.append(draft)); // 200 in flight: later ones queue behind a failing batch
      }
      for (int i = 0; i < futures.size(); i++) {
        try {
          futures.get(i).get(10, TimeUnit.SECONDS);
          ackedIds.add(drafts.get(i).id());
        } catch (ExecutionException e) {
          assertThat(e.getCause()).isInstanceOf(StoreUnavailableException.class);
          failedIds.add(drafts.get(i).id());
        }
      }
    }
    assertThat(failedIds).hasSize(4 * 200);
    List<ChatMessage> stored = store.readAfter(ALPHA, 0, 10_000);
    assertThat(seqs(stored)).isEqualTo(LongStream.rangeClosed(1, 8 * 200).boxed().toList());
    assertThat(stored.stream().map(ChatMessage::id).collect(Collectors.toSet())).isEqualTo(ackedIds);
  }

  @Test
  void commitThatSqliteRefusesFailsTheBatchThenRecovers() throws Exception {
    SqliteMessageStore store = open(dir);
    assertThat(store.append(draft(ALPHA, "one")).get(10, TimeUnit.SECONDS).seq()).isEqualTo(1);
    try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("qingliao.db"));
        Statement statement = other.createStatement()) {
      statement.execute("BEGIN IMMEDIATE"); // another process holds the write lock past the busy timeout
      CompletableFuture<ChatMessage> refused = store.append(draft(ALPHA, "refused"));
      assertThatThrownBy(() -> refused.get(20, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(StoreUnavailableException.class);
      statement.execute("ROLLBACK");
    }
    assertThat(store.append(draft(ALPHA, "two")).get(10, TimeUnit.SECONDS).seq()).isEqualTo(2);
    assertThat(store.readAfter(ALPHA, 0, 10)).extracting(ChatMessage::text).containsExactly("one", "two");
  }

  @Test
  void deletedDatabaseFailsAppendsThenRecoversWithoutReusingSeqs() throws Exception {
    Path dataDir = dir.resolve("data");
    SqliteMessageStore store = open(dataDir);
    for (int i = 1; i <= 3; i++) {
      assertThat(store.append(draft(ALPHA, "kept " + i)).get(10, TimeUnit.SECONDS).seq()).isEqualTo(i);
    }
    deleteRecursively(dataDir);
    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(() -> store.append(draft(ALPHA, "lost")).get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(StoreUnavailableException.class);
    }

    Files.createDirectories(dataDir); // the disk is back (empty)
    ChatMessage resumed = store.append(draft(ALPHA, "resumed")).get(10, TimeUnit.SECONDS);
    assertThat(resumed.seq()).isEqualTo(4);
    assertThat(store.readAfter(ALPHA, 0, 10)).extracting(ChatMessage::text).containsExactly("resumed");
    assertThat(store.append(draft(BETA, "new room")).get(10, TimeUnit.SECONDS).seq()).isEqualTo(1);
  }

  @Test
  void chineseRoomsAndEmojiTextRoundTrip() throws Exception {
    RoomName hall = new RoomName("大厅");
    String text = "你好，世界 😀👍🏽 家族👨‍👩‍👧 \u0000-free ok";
    SqliteMessageStore first = open(dir);
    MessageDraft draft = new MessageDraft("id-1", hall, "小明🐼", text, 1_700_000_000_123L, "客户端-1");
    ChatMessage stored = first.append(draft).get(10, TimeUnit.SECONDS);
    first.close();

    SqliteMessageStore second = open(dir);
    assertThat(second.rooms()).containsExactly(hall);
    assertThat(second.readAfter(hall, 0, 10)).containsExactly(stored);
    assertThat(second.readAfter(new RoomName("大厅x"), 0, 10)).isEmpty();
    ChatMessage noCid = second.append(new MessageDraft("id-2", hall, "a", "b", 1L, null)).get(10, TimeUnit.SECONDS);
    assertThat(second.readBefore(hall, Long.MAX_VALUE, 1)).containsExactly(noCid);
  }

  @Test
  void closeCommitsPendingAppendsStopsTheThreadAndIsIdempotent() throws Exception {
    SqliteMessageStore store = open(dir);
    List<CompletableFuture<ChatMessage>> futures = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      futures.add(store.append(draft(ALPHA, "pending " + i)));
    }
    store.close();
    store.close();
    assertThat(writerThreads()).isEmpty();
    for (CompletableFuture<ChatMessage> future : futures) {
      assertThat(future).isCompleted();
      assertThat(future.join().seq()).isPositive();
    }
    assertThatThrownBy(() -> store.append(draft(ALPHA, "late")).get(1, TimeUnit.SECONDS))
        .hasCauseInstanceOf(StoreUnavailableException.class);

    SqliteMessageStore reopened = open(dir);
    assertThat(reopened.latestSeq(ALPHA)).isEqualTo(2000);
  }

  private SqliteMessageStore open(Path dataDir) {
    SqliteMessageStore store = SqliteMessageStore.open(dataDir);
    opened.add(store);
    return store;
  }

  static MessageDraft draft(RoomName room, String text) {
    return new MessageDraft(UUID.randomUUID().toString(), room, "tester", text, System.currentTimeMillis(), null);
  }

  private static List<Long> seqs(List<ChatMessage> messages) {
    return messages.stream().map(ChatMessage::seq).toList();
  }

  private static List<Thread> writerThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("qingliao-sqlite-writer") && t.isAlive())
        .toList();
  }

  private static void deleteRecursively(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  /**
   * Makes a directory and its files read-only; as root, with the immutable attribute, which also
   * stops writes through open descriptors, as a read-only file system would.
   */
  static final class ReadOnly {
    static void apply(Path dir) throws Exception {
      if (isRoot()) {
        run("chattr", "+i", dir, files(dir));
      } else {
        run("chmod", "a-w", dir, files(dir));
      }
    }

    static void undo(Path dir) throws Exception {
      if (isRoot()) {
        run("chattr", "-i", dir, files(dir));
      } else {
        run("chmod", "u+w", dir, files(dir));
      }
    }

    private static boolean isRoot() throws Exception {
      Process id = new ProcessBuilder("id", "-u").start();
      String uid = new String(id.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
      id.waitFor();
      return uid.equals("0");
    }

    /**
     * The database and its WAL, not the {@code -shm} index: SQLite keeps that one mapped in
     * memory, and a write fault on an immutable mapping is a SIGBUS, which no remount causes
     * (a read-only remount is refused while files are open for writing).
     */
    private static List<Path> files(Path dir) throws IOException {
      try (Stream<Path> entries = Files.list(dir)) {
        return entries.filter(f -> !f.getFileName().toString().endsWith("-shm")).toList();
      }
    }

    private static void run(String tool, String mode, Path dir, List<Path> files) throws Exception {
      List<String> command = new ArrayList<>(List.of(tool, mode, dir.toString()));
      files.forEach(f -> command.add(f.toString()));
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(process.waitFor()).as(tool + " failed: " + output).isZero();
    }
  }

  /**
   * Child process for the kill tests: prints the seq of each append once the given stage
   * ({@code written} or {@code durable}) completed.
   */
  static final class CrashingWriter {
    public static void main(String[] args) throws Exception {
      SqliteMessageStore store = SqliteMessageStore.open(Path.of(args[0]));
      int count = Integer.parseInt(args[1]);
      boolean written = args.length > 2 && args[2].equals("written");
      for (int i = 0; i < count; i++) {
        AppendStages stages = store.appendStaged(draft(ALPHA, "crash " + i));
        (written ? stages.written() : stages.durable()).thenAccept(m -> {
          synchronized (System.out) {
            System.out.println(m.seq());
            System.out.flush();
          }
        });
      }
      Thread.sleep(Long.MAX_VALUE);
    }
  }
}
