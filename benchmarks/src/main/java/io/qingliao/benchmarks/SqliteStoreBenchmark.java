package io.qingliao.benchmarks;

import io.qingliao.core.ChatMessage;
import io.qingliao.core.MessageDraft;
import io.qingliao.core.RoomName;
import io.qingliao.server.SqliteMessageStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link SqliteMessageStore} append throughput with group commit: each invocation appends a
 * batch of {@value #BATCH} drafts spread over {@value #ROOMS} rooms and waits until every
 * future completed (each completes after the commit holding it, fsync'ed). The score is stored
 * messages per second. The database lives in a fresh temp directory per fork. Target: 20,000/s.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class SqliteStoreBenchmark {
  static final int BATCH = 1_000;
  static final int ROOMS = 10;
  static final String TEXT = "你好, world — a typical chat line of about eighty bytes 🙂 with some 中文 in it";

  private Path dir;
  private SqliteMessageStore store;
  private RoomName[] rooms;
  private long nextId;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("qingliao-bench-");
    store = SqliteMessageStore.open(dir);
    rooms = new RoomName[ROOMS];
    for (int i = 0; i < ROOMS; i++) {
      rooms[i] = new RoomName("room-" + i);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    store.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public long appendBatch() {
    CompletableFuture<?>[] futures = new CompletableFuture<?>[BATCH];
    CompletableFuture<ChatMessage> last = null;
    long now = System.currentTimeMillis();
    for (int i = 0; i < BATCH; i++) {
      long id = ++nextId;
      last = store.append(new MessageDraft("bench-" + id, rooms[i % ROOMS], "alice", TEXT, now, null));
      futures[i] = last;
    }
    CompletableFuture.allOf(futures).join();
    return last.join().seq();
  }
}
