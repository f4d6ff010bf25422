package io.qingliao.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.qingliao.server.testing.NoLeakedThreads;
import io.qingliao.server.testing.RawWebSocket;
import io.qingliao.server.testing.RawWebSocket.Frame;
import io.qingliao.server.testing.TestServers;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The server's keep-alive pings (PROTOCOL.md, "WebSocket ping frames"): one when a connection
 * opens, then one every half idle timeout, each connection at its own phase; a client that
 * answers none for one and a half periods is cut, however much data it sends.
 */
@Timeout(30)
@ExtendWith(NoLeakedThreads.class)
class WebSocketKeepAliveTest {
  /** Idle timeout 2 s: a ping every second, a sweep every 500 ms, cut after 1.5 s without a pong. */
  private static final Duration IDLE = Duration.ofSeconds(2);

  private final List<RawWebSocket> open = new ArrayList<>();
  private ChatServer server;

  @AfterEach
  void tearDown() throws IOException {
    for (RawWebSocket ws : open) {
      ws.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private RawWebSocket connect(String nick) throws IOException {
    RawWebSocket ws = RawWebSocket.connect(server.wsPort(), "/?nick=" + nick);
    open.add(ws);
    return ws;
  }

  @Test
  void aClientThatAnswersNoPingIsCutThoughItKeepsSendingData() throws Exception {
    server = TestServers.memory().idleTimeout(IDLE).build().start();
    RawWebSocket mute = connect("mute");
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService chatter = Executors.newSingleThreadExecutor();
    try {
      // Application pings keep the idle clock from ever firing; only missing pongs can end it.
      chatter.execute(() -> {
        for (int i = 0; !stop.get(); i++) {
          try {
            mute.sendText("{\"type\":\"ping\",\"cid\":\"k" + i + "\"}");
            Thread.sleep(200);
          } catch (IOException | InterruptedException gone) {
            return;
          }
        }
      });

      Duration lasted = mute.awaitEndOfStream(Duration.ofSeconds(6));

      // Checked when a ping is due: never before 1.5 s without a pong, at most about 3 s (due
      // times a second apart, found by sweeps half a second apart); the rest is slack.
      assertThat(lasted).isGreaterThanOrEqualTo(Duration.ofMillis(1_300)).isLessThan(Duration.ofMillis(5_000));
    } finally {
      stop.set(true);
      chatter.shutdownNow();
      assertThat(chatter.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void aClientThatAnswersEveryPingStaysOpenPastTheCutOffAndIsPingedEveryPeriod() throws IOException {
    server = TestServers.memory().idleTimeout(IDLE).build().start();
    RawWebSocket alive = connect("alive");
    long deadline = System.nanoTime() + Duration.ofMillis(3_500).toNanos();
    int pings = 0;
    int sent = 0;
    long nextSend = 0;
    while (System.nanoTime() < deadline) {
      if (System.nanoTime() - nextSend >= 0) {
        // Data keeps the idle clock at bay; each one is answered, so the read below never waits long.
        alive.sendText("{\"type\":\"ping\",\"cid\":\"a" + sent++ + "\"}");
        nextSend = System.nanoTime() + Duration.ofMillis(200).toNanos();
      }
      Frame frame = alive.readAnyFrame();
      assertThat(frame.opcode()).as("no close frame while pongs come back").isNotEqualTo(RawWebSocket.CLOSE);
      if (frame.opcode() == RawWebSocket.PING) {
        pings++;
        alive.sendFrame(RawWebSocket.PONG, true, frame.payload());
      }
    }

    // One at open, then one a second at a random phase: at least two more in 3.5 s.
    assertThat(pings).isBetween(3, 5);
    alive.sendText("{\"type\":\"ping\",\"cid\":\"still-here\"}");
    String reply;
    do {
      reply = alive.readFrame().text();
    } while (!reply.contains("still-here"));
    assertThat(reply).contains("\"type\":\"pong\"");
  }

  @Test
  void connectionsThatOpenedTogetherAreNotAllPingedInTheSameInstant() throws Exception {
    // Idle timeout 4 s: a ping every 2 s, sweeps every second.
    server = TestServers.memory().idleTimeout(Duration.ofSeconds(4)).build().start();
    int count = 16;
    List<RawWebSocket> clients = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      clients.add(connect("c" + i));
    }
    ExecutorService readers = Executors.newFixedThreadPool(count);
    try {
      List<Future<Long>> firstPeriodicPing = new ArrayList<>();
      for (RawWebSocket client : clients) {
        firstPeriodicPing.add(readers.submit(() -> {
          int pings = 0;
          while (true) {
            Frame frame = client.readAnyFrame();
            if (frame.opcode() == RawWebSocket.PING) {
              client.sendFrame(RawWebSocket.PONG, true, frame.payload());
              if (++pings == 2) { // the first is the one every connection gets when it opens
                return System.nanoTime();
              }
            }
          }
        }));
      }
      long earliest = Long.MAX_VALUE;
      long latest = Long.MIN_VALUE;
      for (Future<Long> at : firstPeriodicPing) {
        long t = at.get(10, TimeUnit.SECONDS);
        earliest = Math.min(earliest, t);
        latest = Math.max(latest, t);
      }

      // Due at a uniformly random point of the first 2 s, sent by the next sweep: all 16 in
      // the same sweep has odds of about 1 in 30,000. The library's own checker pinged them all at once.
      assertThat(Duration.ofNanos(latest - earliest)).isGreaterThanOrEqualTo(Duration.ofMillis(500));
    } finally {
      readers.shutdownNow();
      for (RawWebSocket client : clients) {
        client.close(); // unblocks a reader still waiting
      }
      assertThat(readers.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    }
  }
}
