package io.qingliao.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.qingliao.server.testing.RecordingWebSocket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The shared check of the hardening tests: two well-behaved clients in one room, opened before
 * the abuse, that must still chat with low latency after it. {@link #assertStillChatting()}
 * sends a chat from one and requires the other to receive it within {@link #MAX_LATENCY}.
 */
final class HealthyPair implements AutoCloseable {
  static final Duration MAX_LATENCY = Duration.ofMillis(500);
  private static final AtomicInteger COUNTER = new AtomicInteger();

  private final RecordingWebSocket sender;
  private final RecordingWebSocket receiver;
  private final String room;
  private int round;

  private HealthyPair(int port, String room) {
    int n = COUNTER.incrementAndGet();
    this.room = room;
    this.sender = RecordingWebSocket.connect(port, "/?nick=healthy-a" + n + "&room=" + room);
    this.receiver = RecordingWebSocket.connect(port, "/?nick=healthy-b" + n + "&room=" + room);
    sender.awaitJson("joined");
    receiver.awaitJson("joined");
  }

  /** Opens the pair in {@code room} and warms it up (the first messages of a JVM are slow). */
  static HealthyPair open(int port, String room) {
    HealthyPair pair = new HealthyPair(port, room);
    for (int i = 0; i < 10; i++) {
      pair.chat(Duration.ofSeconds(5));
    }
    pair.assertStillChatting();
    return pair;
  }

  /** One chat from the sender reaches the receiver within {@link #MAX_LATENCY}; returns the latency. */
  Duration assertStillChatting() {
    return chat(MAX_LATENCY);
  }

  private Duration chat(Duration maxLatency) {
    String cid = "healthy-" + (++round);
    long start = System.nanoTime();
    sender.send("{\"type\":\"chat\",\"text\":\"still here " + round + "\",\"cid\":\"" + cid + "\"}");
    while (true) {
      JsonObject chat = receiver.awaitJson("chat");
      if (chat.has("cid") && chat.get("cid").getAsString().equals(cid)) {
        Duration latency = Duration.ofNanos(System.nanoTime() - start);
        assertThat(chat.get("room").getAsString()).isEqualTo(room);
        assertThat(latency).as("healthy client's latency").isLessThan(maxLatency);
        return latency;
      }
    }
  }

  /** A ping from each of the two, so that a short idle timeout does not close them. */
  void heartbeat() {
    sender.send("{\"type\":\"ping\"}");
    receiver.send("{\"type\":\"ping\"}");
  }

  RecordingWebSocket receiver() {
    return receiver;
  }

  @Override
  public void close() {
    sender.close();
    receiver.close();
  }
}
