package io.qingliao.server.internal.ws;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.qingliao.core.CloseCodes;
import io.qingliao.core.Hub;
import io.qingliao.core.HubConfig;
import io.qingliao.core.HubListener;
import io.qingliao.core.InMemoryMessageStore;
import io.qingliao.core.RoomName;
import io.qingliao.server.Authenticator;
import io.qingliao.server.internal.metrics.ServerMetrics;
import io.qingliao.server.testing.NoLeakedThreads;
import io.qingliao.server.testing.RawWebSocket;
import io.qingliao.server.testing.RecordingWebSocket;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A client that completes the handshake and then never reads, in a room where others chat: its
 * queue stops at the limit, it is closed with 4008 and its TCP connection ends within 5 s, while
 * the others keep a low latency.
 */
@Timeout(60)
@ExtendWith(NoLeakedThreads.class)
class WebSocketSlowConsumerTest {
  private static final long LIMIT = 256 * 1024;
  private static final int MAX_MESSAGES = 10_000;

  private final AtomicLong droppedAt = new AtomicLong();
  private final AtomicLong droppedCode = new AtomicLong();
  private Hub hub;
  private WebSocketFrontend frontend;

  @AfterEach
  void tearDown() {
    if (frontend != null) {
      frontend.shutdown(Duration.ofSeconds(5));
    }
    if (hub != null) {
      hub.close();
    }
  }

  @Test
  void aClientThatStopsReadingIsDroppedAt4008WithoutSlowingTheOthers() throws Exception {
    HubListener drops = new HubListener() {
      @Override
      public void sessionDropped(String sessionId, int code, String reason) {
        droppedCode.set(code);
        droppedAt.compareAndSet(0, System.nanoTime());
      }
    };
    hub = Hub.builder()
        .store(new InMemoryMessageStore(1_000))
        .config(HubConfig.defaults().withSlowConsumerBytes(LIMIT).withRateLimitPerSecond(1_000_000))
        .listener(drops)
        .build();
    frontend = new WebSocketFrontend(new WsSettings("127.0.0.1", 0, 100, Duration.ofSeconds(60), 65_536,
        List.of(), Authenticator.anonymous(), null), hub, new ServerMetrics(() -> hub));
    frontend.startAndAwait(Duration.ofSeconds(5));
    int port = frontend.getPort();

    try (RawWebSocket slow = RawWebSocket.connect(port, "/?nick=slow", 4096);
        RecordingWebSocket alice = RecordingWebSocket.connect(port, "/?nick=alice");
        RecordingWebSocket bob = RecordingWebSocket.connect(port, "/?nick=bob")) {
      assertThat(slow.statusLine()).startsWith("HTTP/1.1 101");
      alice.awaitJson("joined");
      bob.awaitJson("joined");
      String text = "x".repeat(1_000);
      long[] latencies = new long[MAX_MESSAGES];
      long maxQueued = 0;
      int sent = 0;
      // Lockstep: alice sends, bob must see it; go on for 300 messages past the drop.
      long stopAfter = Long.MAX_VALUE;
      while (sent < MAX_MESSAGES && sent < stopAfter) {
        long start = System.nanoTime();
        alice.send("{\"type\":\"chat\",\"text\":\"" + text + "\",\"cid\":\"" + sent + "\"}");
        JsonObject chat = bob.awaitJson("chat");
        latencies[sent] = System.nanoTime() - start;
        assertThat(chat.get("cid").getAsString()).isEqualTo(String.valueOf(sent));
        maxQueued = Math.max(maxQueued, frontend.queuedBytes());
        sent++;
        if (droppedAt.get() != 0 && stopAfter == Long.MAX_VALUE) {
          stopAfter = sent + 300;
        }
      }

      assertThat(droppedAt.get()).as("slow consumer dropped after %d messages", sent).isNotZero();
      assertThat(droppedCode.get()).isEqualTo(CloseCodes.SLOW_CONSUMER);
      long ended = awaitConnections(2, Duration.ofSeconds(6));
      Duration tcpEnded = Duration.ofNanos(ended - droppedAt.get());
      long[] sorted = Arrays.copyOf(latencies, sent);
      Arrays.sort(sorted);
      Duration p50 = Duration.ofNanos(sorted[sent / 2]);
      Duration p99 = Duration.ofNanos(sorted[(int) (sent * 0.99)]);
      Duration max = Duration.ofNanos(sorted[sent - 1]);
      System.out.printf("slow consumer: %d messages, max queued %d bytes (limit %d), TCP ended %d ms after the"
              + " drop; others' latency p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
          sent, maxQueued, LIMIT, tcpEnded.toMillis(), p50.toNanos() / 1e6, p99.toNanos() / 1e6, max.toNanos() / 1e6);

      assertThat(maxQueued).as("bytes queued over all connections").isLessThan(LIMIT + 64 * 1024);
      assertThat(tcpEnded).isLessThan(Duration.ofSeconds(5));
      assertThat(p99).isLessThan(Duration.ofMillis(100));
      assertThat(max).isLessThan(Duration.ofSeconds(1));
      assertThat(hub.members(RoomName.LOBBY)).containsExactlyInAnyOrder("alice", "bob");
    }
  }

  /** Waits until only {@code count} connections are left; returns when (nanoTime). */
  private long awaitConnections(int count, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (frontend.connectionCount() > count) {
      assertThat(System.nanoTime()).as("connections left: %d", frontend.connectionCount()).isLessThan(deadline);
      Thread.sleep(10);
    }
    return System.nanoTime();
  }
}
