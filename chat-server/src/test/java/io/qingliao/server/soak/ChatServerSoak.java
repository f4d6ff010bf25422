package io.qingliao.server.soak;

import static org.assertj.core.api.Assertions.assertThat;

import io.qingliao.server.ChatServer;
import io.qingliao.server.hardening.HostileSocket;
import io.qingliao.server.testing.NoLeakedThreads;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The soak (only in {@code mvn -Psoak}): {@code soak.minutes} (10) of mixed traffic on a server
 * with a SQLite store: 60 clients in 6 rooms chat, send pings and history requests, and every
 * second some of them leave (abruptly or with a close) and new ones connect. Each
 * {@code soak.sampleSeconds} (60) the heap after GC, the live threads and the open file
 * descriptors are sampled; the last sample may exceed the first by a bounded amount only.
 */
@ExtendWith(NoLeakedThreads.class)
class ChatServerSoak {
  private static final int CLIENTS = 60;
  private static final int ROOMS = 6;

  @TempDir Path dataDir;

  record Sample(int minute, long heapMiB, int threads, long fds, long acks) {}

  @Test
  @Timeout(value = 3, unit = java.util.concurrent.TimeUnit.HOURS)
  void memoryThreadsAndFileDescriptorsStayFlatUnderMixedTrafficWithChurn() throws Exception {
    int minutes = Integer.getInteger("soak.minutes", 10);
    int sampleSeconds = Integer.getInteger("soak.sampleSeconds", 60);
    Random random = new Random(7);
    List<Sample> samples = new ArrayList<>();
    long sent = 0;
    long acks = 0;
    long connects = 0;
    long disconnects = 0;
    try (ChatServer server = ChatServer.builder().host("127.0.0.1").wsPort(0).httpPort(-1).sqliteStore(dataDir)
        .rateLimit(1_000).build().start()) {
      int port = server.wsPort();
      List<HostileSocket> clients = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        clients.add(connect(port, connects++));
      }
      long start = System.nanoTime();
      long end = start + Duration.ofMinutes(minutes).toNanos();
      long nextSample = start;
      while (true) {
        long now = System.nanoTime();
        if (now >= nextSample) {
          for (HostileSocket c : clients) {
            acks += drain(c);
          }
          samples.add(sample(samples.size(), acks));
          System.out.println("soak sample: " + samples.get(samples.size() - 1));
          nextSample += Duration.ofSeconds(sampleSeconds).toNanos();
          if (now >= end) {
            break;
          }
        }
        // One tick: 30 chats, 10 pings, 2 history pages, 3 clients replaced.
        for (int i = 0; i < 30; i++) {
          HostileSocket c = clients.get(random.nextInt(CLIENTS));
          c.sendText("{\"type\":\"chat\",\"text\":\"浸泡 soak " + sent + " " + "x".repeat(random.nextInt(300)) + "\"}");
          sent++;
        }
        for (int i = 0; i < 10; i++) {
          clients.get(random.nextInt(CLIENTS)).sendText("{\"type\":\"ping\"}");
        }
        for (int i = 0; i < 2; i++) {
          clients.get(random.nextInt(CLIENTS)).sendText("{\"type\":\"history\",\"limit\":100}");
        }
        for (int i = 0; i < 3; i++) {
          int victim = random.nextInt(CLIENTS);
          HostileSocket old = clients.get(victim);
          acks += drain(old);
          if (random.nextBoolean()) {
            old.write(HostileSocket.frame(0x88, new byte[] {0x03, (byte) 0xE8}, true)); // close 1000
          }
          old.close();
          disconnects++;
          clients.set(victim, connect(port, connects++));
        }
        Thread.sleep(100);
        for (HostileSocket c : clients) {
          acks += drain(c);
        }
      }
      for (HostileSocket c : clients) {
        c.assertAlive("end");
        c.close();
      }
      assertThat(server.hub().history(new io.qingliao.core.RoomName("r0"), Long.MAX_VALUE, 1)).hasSize(1);
    }
    Sample first = samples.get(1 < samples.size() ? 1 : 0); // after one interval of warm-up
    Sample last = samples.get(samples.size() - 1);
    System.out.printf("soak: %d min, %d chats sent, %d acked, %d connects, %d disconnects; first %s, last %s%n",
        minutes, sent, acks, connects, disconnects, first, last);
    assertThat(acks).as("acks for chats of clients that stayed").isGreaterThan(sent * 8 / 10);
    assertThat(last.heapMiB()).as("heap after GC (MiB)").isLessThanOrEqualTo(first.heapMiB() * 3 / 2 + 32);
    assertThat(last.threads()).as("live threads").isLessThanOrEqualTo(first.threads() + 5);
    assertThat(last.fds()).as("open file descriptors").isLessThanOrEqualTo(first.fds() + 20);
  }

  private static HostileSocket connect(int port, long n) throws IOException {
    HostileSocket socket = HostileSocket.upgraded(port, "/?nick=s" + n + "&room=r" + (n % ROOMS));
    socket.awaitJson("joined");
    return socket;
  }

  /** Reads whatever the server has sent; returns the number of acks among it. */
  private static long drain(HostileSocket socket) throws IOException {
    long acks = 0;
    while (socket.available() > 0) {
      HostileSocket.Frame frame = socket.readFrame();
      if (frame.opcode() == HostileSocket.TEXT && frame.text().startsWith("{\"type\":\"ack\"")) {
        acks++;
      }
    }
    return acks;
  }

  private static Sample sample(int index, long acks) throws IOException {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20;
    int threads = Thread.getAllStackTraces().size();
    long fds;
    try (Stream<Path> entries = Files.list(Path.of("/proc/self/fd"))) {
      fds = entries.count();
    }
    return new Sample(index, heap, threads, fds, acks);
  }
}
