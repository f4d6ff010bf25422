package io.qingliao.server;

import io.qingliao.core.ChatMessage;
import io.qingliao.core.MessageDraft;
import io.qingliao.core.RoomName;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Measures {@link SqliteMessageStore} throughput with group commit: several producer threads
 * append into several rooms, each keeping a bounded number of appends in flight (as a busy
 * server does), and the figure counts messages whose futures completed, that is, committed with
 * {@code synchronous=FULL}. Also measures one-at-a-time appends, where every message pays its
 * own commit. Not a unit test: run it by hand (see docs/benchmarks.md).
 *
 * <p>Arguments (all optional): messages producers rooms inFlightPerProducer.
 */
public final class SqliteStoreBenchmark {
  public static void main(String[] args) throws Exception {
    int messages = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    int producers = args.length > 1 ? Integer.parseInt(args[1]) : 4;
    int rooms = args.length > 2 ? Integer.parseInt(args[2]) : 16;
    int inFlight = args.length > 3 ? Integer.parseInt(args[3]) : 2_000;
    Path dir = Files.createTempDirectory("qingliao-bench");
    try (SqliteMessageStore store = SqliteMessageStore.open(dir)) {
      run(store, 20_000, producers, rooms, inFlight, "warm-up");
      run(store, messages, producers, rooms, inFlight, "group commit");
      sequential(store, 300);
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(f);
        }
      } catch (IOException e) {
        System.err.println("could not delete " + dir + ": " + e);
      }
    }
  }

  private static void run(SqliteMessageStore store, int messages, int producers, int rooms, int inFlight, String label)
      throws InterruptedException {
    String text = "一条普通长度的聊天消息 with some ASCII text, about eighty bytes long 😀";
    long[] latencies = new long[messages];
    AtomicInteger failures = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(messages);
    AtomicInteger next = new AtomicInteger();
    Thread[] threads = new Thread[producers];
    long start = System.nanoTime();
    for (int p = 0; p < producers; p++) {
      Semaphore window = new Semaphore(inFlight);
      threads[p] = new Thread(() -> {
        int i;
        while ((i = next.getAndIncrement()) < messages) {
          window.acquireUninterruptibly();
          int index = i;
          long sent = System.nanoTime();
          RoomName room = new RoomName("room-" + (i % rooms));
          store.append(new MessageDraft("m" + i, room, "bench", text, System.currentTimeMillis(), null))
              .whenComplete((m, e) -> {
                latencies[index] = System.nanoTime() - sent;
                if (e != null) {
                  failures.incrementAndGet();
                }
                window.release();
                done.countDown();
              });
        }
      }, "bench-producer-" + p);
      threads[p].start();
    }
    if (!done.await(10, TimeUnit.MINUTES)) {
      throw new IllegalStateException("benchmark did not finish");
    }
    long elapsed = System.nanoTime() - start;
    for (Thread t : threads) {
      t.join();
    }
    Arrays.sort(latencies);
    System.out.printf("%-13s %,9d messages, %d producers, %d rooms, %,d in flight each: %,10.0f msg/s"
            + "  (%.2f s; commit latency p50 %.1f ms, p99 %.1f ms, max %.1f ms; failures %d)%n",
        label, messages, producers, rooms, inFlight, messages / (elapsed / 1e9), elapsed / 1e9,
        latencies[messages / 2] / 1e6, latencies[(int) (messages * 0.99)] / 1e6, latencies[messages - 1] / 1e6,
        failures.get());
  }

  private static void sequential(SqliteMessageStore store, int messages) throws Exception {
    RoomName room = new RoomName("sequential");
    long start = System.nanoTime();
    for (int i = 0; i < messages; i++) {
      ChatMessage stored = store.append(new MessageDraft("s" + i, room, "bench", "one at a time",
          System.currentTimeMillis(), null)).get(10, TimeUnit.SECONDS);
      if (stored.seq() != i + 1) {
        throw new IllegalStateException("unexpected seq " + stored.seq());
      }
    }
    long elapsed = System.nanoTime() - start;
    System.out.printf("%-13s %,9d messages, one in flight (a commit each):       %,10.0f msg/s  (%.2f ms per commit)%n",
        "no grouping", messages, messages / (elapsed / 1e9), elapsed / 1e6 / messages);
  }
}
