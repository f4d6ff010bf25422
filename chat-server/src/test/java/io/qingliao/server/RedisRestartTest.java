package io.qingliao.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

import com.google.gson.JsonObject;
import io.qingliao.server.RedisClusterTest.Node;
import io.qingliao.server.RedisClusterTest.Redis;
import io.qingliao.server.testing.NoLeakedThreads;
import io.qingliao.server.testing.RecordingWebSocket;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Redis stops and starts again under two running nodes. The test runs its own redis-server (on
 * a free port, append-only file in a temporary directory), so the shared one is untouched:
 * while it is down writes get {@code server_busy} and nothing crashes; afterwards the nodes are
 * back by themselves, every acked message is still there, and seq goes on without a gap.
 */
@Timeout(90)
@ExtendWith(NoLeakedThreads.class)
class RedisRestartTest {
  @TempDir
  Path dataDir;

  private int port;
  private Process redis;
  private Node nodeA;
  private Node nodeB;
  private RecordingWebSocket alice;
  private RecordingWebSocket bob;

  @BeforeEach
  void startOwnRedis(TestInfo test) throws IOException {
    port = freePort();
    startRedis();
    String url = "redis://127.0.0.1:" + port;
    String prefix = Redis.prefixFor(test);
    nodeA = Node.start(Redis.settings(url, prefix).withCommandTimeout(Duration.ofSeconds(1)));
    nodeB = Node.start(Redis.settings(url, prefix).withCommandTimeout(Duration.ofSeconds(1)));
  }

  @AfterEach
  void stopEverything() throws InterruptedException {
    for (RecordingWebSocket ws : new RecordingWebSocket[] {alice, bob}) {
      if (ws != null) {
        ws.close();
      }
    }
    if (nodeA != null) {
      nodeA.close();
    }
    if (nodeB != null) {
      nodeB.close();
    }
    stopRedis();
  }

  @Test
  void writesAreRefusedWhileRedisIsDownAndEverythingComesBackAfter() throws IOException {
    alice = RecordingWebSocket.open(nodeA.server().wsPort(), "/?nick=alice&room=ops");
    alice.awaitJson("joined");
    bob = RecordingWebSocket.open(nodeB.server().wsPort(), "/?nick=bob&room=ops");
    bob.awaitJson("joined");
    for (int i = 1; i <= 3; i++) {
      alice.send(Redis.chat("kept " + i, "k" + i));
      assertThat(alice.awaitJson("ack").get("seq").getAsLong()).isEqualTo(i);
      assertThat(bob.awaitJson("chat").get("seq").getAsLong()).isEqualTo(i);
    }

    stopRedis();

    alice.send(Redis.chat("lost", "x1"));
    assertThat(alice.awaitError("server_busy").get("cid").getAsString()).isEqualTo("x1");
    alice.send("{\"type\":\"dm\",\"to\":\"bob\",\"text\":\"hi\",\"cid\":\"x2\"}");
    assertThat(alice.awaitError("server_busy").get("cid").getAsString()).isEqualTo("x2");
    HttpTestClient http = new HttpTestClient(nodeB.server().httpPort(), null);
    assertThat(http.postJson("/api/rooms/ops/messages", "{\"from\":\"ops\",\"text\":\"down\"}").status).isEqualTo(503);
    alice.send("{\"type\":\"ping\",\"cid\":\"p\"}");
    assertThat(alice.awaitJson("pong").get("cid").getAsString()).as("the session lives on").isEqualTo("p");
    bob.assertNoMessage(Duration.ofMillis(200));

    startRedis();

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    int attempt = 0;
    JsonObject ack;
    while (true) {
      alice.send(Redis.chat("after restart", "r" + (++attempt)));
      JsonObject answer = alice.awaitJsonOfAny("ack", "error");
      if (answer.get("type").getAsString().equals("ack")) {
        ack = answer;
        break;
      }
      assertThat(answer.get("code").getAsString()).isEqualTo("server_busy");
      if (System.nanoTime() > deadline) {
        fail("the node did not reconnect to Redis within 20 s");
      }
      RedisClusterTest.sleep(100);
    }
    assertThat(ack.get("seq").getAsLong()).as("seq goes on from the persisted counter").isEqualTo(4);
    JsonObject live = bob.awaitJson("chat");
    assertThat(live.get("seq").getAsLong()).as("node B's subscription is back").isEqualTo(4);
    assertThat(live.get("text").getAsString()).isEqualTo("after restart");

    bob.send("{\"type\":\"history\",\"cid\":\"h\"}");
    JsonObject history = bob.awaitJson("history");
    assertThat(RedisClusterTest.seqs(history.getAsJsonArray("messages"))).containsExactly(1L, 2L, 3L, 4L);
    assertThat(history.getAsJsonArray("messages").get(0).getAsJsonObject().get("text").getAsString())
        .isEqualTo("kept 1");

    bob.send(Redis.chat("from B", "b1"));
    assertThat(bob.awaitJson("ack").get("cid").getAsString()).isEqualTo("b1");
    JsonObject fromB = alice.awaitJson("chat");
    while (!fromB.get("text").getAsString().equals("from B")) {
      fromB = alice.awaitJson("chat"); // alice's own chats came first
    }
    assertThat(fromB.get("seq").getAsLong()).as("node A's subscription is back").isEqualTo(5);
    bob.send("{\"type\":\"dm\",\"to\":\"alice\",\"text\":\"welcome back\",\"cid\":\"d\"}");
    assertThat(bob.awaitJson("ack").get("cid").getAsString()).isEqualTo("d");
    assertThat(alice.awaitJson("dm").get("text").getAsString()).isEqualTo("welcome back");
    bob.send("{\"type\":\"members\",\"cid\":\"m\"}");
    assertThat(RedisClusterTest.names(bob.awaitJson("members").getAsJsonArray("members")))
        .containsExactlyInAnyOrder("alice", "bob");
  }

  private void startRedis() throws IOException {
    List<String> command = List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", dataDir.toString());
    try {
      redis = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(new File(dataDir.toFile(), "redis.log")).start();
    } catch (IOException e) {
      if (System.getenv("CI") != null) {
        throw e;
      }
      abort("redis-server is not installed (skipped because CI is unset): " + e.getMessage());
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!Redis.ping(port)) {
      if (System.nanoTime() > deadline || !redis.isAlive()) {
        fail("redis-server did not start on port " + port);
      }
      RedisClusterTest.sleep(20);
    }
  }

  /** SIGTERM: Redis flushes its append-only file and exits. */
  private void stopRedis() {
    if (redis == null) {
      return;
    }
    redis.destroy();
    try {
      if (!redis.waitFor(10, TimeUnit.SECONDS)) {
        redis.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    redis = null;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
