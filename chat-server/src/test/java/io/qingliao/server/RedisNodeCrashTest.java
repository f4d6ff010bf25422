package io.qingliao.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.qingliao.server.RedisClusterTest.Node;
import io.qingliao.server.RedisClusterTest.Redis;
import io.qingliao.server.testing.NoLeakedThreads;
import io.qingliao.server.testing.RecordingWebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A node dies without saying goodbye (its heartbeat stops and its Redis connections drop at
 * once, then its sockets close): its sessions leave presence when their entries expire, and its
 * clients reconnect to another node with {@code since}, missing nothing and seeing nothing twice.
 */
@Timeout(60)
@ExtendWith(NoLeakedThreads.class)
class RedisNodeCrashTest {
  private static final Duration TTL = Duration.ofSeconds(5);

  private final List<Node> nodes = new ArrayList<>();
  private final List<RecordingWebSocket> clients = new ArrayList<>();
  private String prefix;

  @BeforeEach
  void startTwoNodes(TestInfo test) {
    Redis.require(6379);
    prefix = Redis.prefixFor(test);
    for (int i = 0; i < 2; i++) {
      nodes.add(Node.start(Redis.settings(RedisClusterTest.SHARED_REDIS, prefix).withPresenceTtl(TTL)));
    }
  }

  @AfterEach
  void stopNodes() {
    clients.forEach(RecordingWebSocket::close);
    nodes.forEach(Node::close);
    Redis.deleteKeys(6379, prefix);
  }

  private RecordingWebSocket open(int node, String query) {
    RecordingWebSocket ws = RecordingWebSocket.open(nodes.get(node).server().wsPort(), query);
    clients.add(ws);
    return ws;
  }

  @Test
  void crashedNodeLeavesPresenceByExpiryAndItsClientsRecoverOnAnotherNode() {
    RecordingWebSocket alice = open(0, "/?nick=alice&room=ops");
    alice.awaitJson("joined");
    RecordingWebSocket carol = open(0, "/?nick=carol&room=ops");
    carol.awaitJson("joined");
    RecordingWebSocket bob = open(1, "/?nick=bob&room=ops");
    bob.awaitJson("joined");

    for (int i = 1; i <= 5; i++) {
      bob.send(Redis.chat("before " + i, "b" + i));
    }
    long lastSeen = 0;
    for (int i = 1; i <= 5; i++) {
      lastSeen = alice.awaitJson("chat").get("seq").getAsLong();
    }
    assertThat(lastSeen).isEqualTo(5);

    // Node 0 dies: no heartbeat, no goodbye, no leave notices.
    Node dead = nodes.get(0);
    dead.broker().abandon();
    long crashed = System.nanoTime();
    dead.server().stop(Duration.ofSeconds(2));
    bob.send("{\"type\":\"members\",\"cid\":\"m1\"}");
    assertThat(RedisClusterTest.names(bob.awaitJson("members").getAsJsonArray("members")))
        .as("the dead node's sessions stay until their entries expire")
        .containsExactly("alice", "carol", "bob");
    alice.awaitClose(1001);

    for (int i = 1; i <= 5; i++) {
      bob.send(Redis.chat("while away " + i, "w" + i));
    }
    for (int i = 1; i <= 5; i++) {
      bob.awaitJson("ack");
    }

    long deadline = crashed + TTL.multipliedBy(2).toNanos();
    List<String> members;
    do {
      RedisClusterTest.sleep(100);
      bob.send("{\"type\":\"members\",\"cid\":\"m2\"}");
      members = RedisClusterTest.names(bob.awaitJson("members").getAsJsonArray("members"));
    } while (members.size() > 1 && System.nanoTime() < deadline);
    assertThat(members).as("presence within 2 x TTL of the crash").containsExactly("bob");

    RecordingWebSocket back = RecordingWebSocket.connect(nodes.get(1).server().wsPort(),
        "/?nick=alice&room=ops&since=" + lastSeen);
    clients.add(back);
    assertThat(back.awaitJson("welcome").get("nick").getAsString()).as("the dead node's nick claims expired too")
        .isEqualTo("alice");
    JsonObject joined = back.awaitJson("joined");
    assertThat(RedisClusterTest.seqs(joined.getAsJsonArray("history"))).containsExactly(6L, 7L, 8L, 9L, 10L);
    assertThat(joined.getAsJsonArray("history").get(0).getAsJsonObject().get("text").getAsString())
        .isEqualTo("while away 1");
    assertThat(joined.get("truncated").getAsBoolean()).isFalse();
    assertThat(RedisClusterTest.names(joined.getAsJsonArray("members"))).containsExactly("bob", "alice");

    bob.send(Redis.chat("after", "a1"));
    JsonObject live = back.awaitJson("chat");
    assertThat(live.get("seq").getAsLong()).as("no gap, no duplicate").isEqualTo(11);
    assertThat(live.get("text").getAsString()).isEqualTo("after");
    back.assertNoMessage(Duration.ofMillis(300));
  }
}
