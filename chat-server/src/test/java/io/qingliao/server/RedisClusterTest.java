package io.qingliao.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.qingliao.server.internal.redis.RedisClusterBroker;
import io.qingliao.server.internal.redis.RedisSettings;
import io.qingliao.server.testing.NoLeakedThreads;
import io.qingliao.server.testing.RecordingWebSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Three chat-server nodes on the shared Redis (127.0.0.1:6379), clients spread over them: what
 * one node's client does, the others' clients see, in one order. Each test uses its own key
 * prefix. Without Redis the tests are skipped, unless {@code CI} is set (then they fail).
 */
@Timeout(90)
@ExtendWith(NoLeakedThreads.class)
class RedisClusterTest {
  static final String SHARED_REDIS = "redis://127.0.0.1:6379";

  private final List<Node> nodes = new ArrayList<>();
  private final List<RecordingWebSocket> clients = new ArrayList<>();
  private String prefix;

  @BeforeEach
  void startThreeNodes(TestInfo test) {
    Redis.require(6379);
    prefix = Redis.prefixFor(test);
    for (int i = 0; i < 3; i++) {
      nodes.add(Node.start(Redis.settings(SHARED_REDIS, prefix)));
    }
  }

  @AfterEach
  void stopNodes() {
    clients.forEach(RecordingWebSocket::close);
    nodes.forEach(Node::close);
    Redis.deleteKeys(6379, prefix);
  }

  private RecordingWebSocket join(int node, String nick, String room) {
    RecordingWebSocket ws = RecordingWebSocket.open(nodes.get(node).server().wsPort(),
        "/?nick=" + nick + "&room=" + room);
    clients.add(ws);
    ws.awaitJson("joined");
    return ws;
  }

  @Test
  void chatSentOnOneNodeReachesMembersOnTheOthers() {
    RecordingWebSocket alice = join(0, "alice", "lobby");
    RecordingWebSocket bob = join(1, "bob", "lobby");
    RecordingWebSocket carol = join(2, "carol", "lobby");

    alice.send(Redis.chat("你好 from node 0", "c1"));

    JsonObject own = alice.awaitJson("chat");
    JsonObject ack = alice.awaitJson("ack");
    assertThat(ack.get("cid").getAsString()).isEqualTo("c1");
    assertThat(ack.get("seq").getAsLong()).isEqualTo(1);
    for (RecordingWebSocket other : List.of(bob, carol)) {
      JsonObject chat = other.awaitJson("chat");
      assertThat(chat.get("text").getAsString()).isEqualTo("你好 from node 0");
      assertThat(chat.get("from").getAsString()).isEqualTo("alice");
      assertThat(chat.get("seq").getAsLong()).isEqualTo(1);
      assertThat(chat.get("id").getAsString()).isEqualTo(own.get("id").getAsString()).isEqualTo(ack.get("id").getAsString());
    }
  }

  @Test
  void concurrentSendersOnThreeNodesProduceOneGaplessOrder() {
    int perSender = 200;
    List<RecordingWebSocket> senders = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      senders.add(join(i, "sender" + i, "order"));
    }
    for (int j = 0; j < perSender; j++) {
      for (int i = 0; i < 3; i++) {
        senders.get(i).send(Redis.chat(i + ":" + j, i + "-" + j));
      }
    }

    List<List<String>> orders = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      RecordingWebSocket ws = senders.get(i);
      List<String> ids = new ArrayList<>();
      Map<String, Long> seqOfCid = new HashMap<>();
      int lastOwn = -1;
      int acks = 0;
      while (ids.size() < 3 * perSender || acks < perSender) {
        JsonObject event = ws.awaitJsonOfAny("chat", "ack");
        if (event.get("type").getAsString().equals("ack")) {
          String cid = event.get("cid").getAsString();
          assertThat(seqOfCid).as("ack after its chat: " + cid).containsKey(cid);
          assertThat(event.get("seq").getAsLong()).isEqualTo(seqOfCid.get(cid));
          acks++;
          continue;
        }
        long seq = event.get("seq").getAsLong();
        assertThat(seq).as("gapless seq at client " + i).isEqualTo(ids.size() + 1);
        ids.add(event.get("id").getAsString());
        String[] text = event.get("text").getAsString().split(":");
        if (Integer.parseInt(text[0]) == i) {
          int n = Integer.parseInt(text[1]);
          assertThat(n).as("own messages in send order").isEqualTo(lastOwn + 1);
          lastOwn = n;
          seqOfCid.put(event.get("cid").getAsString(), seq);
        }
      }
      orders.add(ids);
    }
    assertThat(orders.get(1)).isEqualTo(orders.get(0));
    assertThat(orders.get(2)).isEqualTo(orders.get(0));
    assertThat(new HashSet<>(orders.get(0))).hasSize(3 * perSender);
  }

  @Test
  void presenceAndNoticesCoverEveryNode() throws IOException {
    RecordingWebSocket alice = join(0, "alice", "大厅");
    RecordingWebSocket bob = join(1, "bob", "大厅");
    JsonObject bobJoined = alice.awaitJson("system");
    assertThat(bobJoined.get("event").getAsString()).isEqualTo("join");
    assertThat(bobJoined.get("nick").getAsString()).isEqualTo("bob");
    assertThat(bobJoined.get("members").getAsInt()).isEqualTo(2);

    RecordingWebSocket carol = RecordingWebSocket.open(nodes.get(2).server().wsPort(), "/?nick=carol&room=%E5%A4%A7%E5%8E%85");
    clients.add(carol);
    JsonObject joined = carol.awaitJson("joined");
    assertThat(names(joined.getAsJsonArray("members"))).containsExactly("alice", "bob", "carol");
    assertThat(alice.awaitJson("system").get("members").getAsInt()).isEqualTo(3);
    assertThat(bob.awaitJson("system").get("nick").getAsString()).isEqualTo("carol");

    alice.send("{\"type\":\"members\",\"cid\":\"m\"}");
    assertThat(names(alice.awaitJson("members").getAsJsonArray("members"))).containsExactly("alice", "bob", "carol");

    String room = URLEncoder.encode("大厅", StandardCharsets.UTF_8);
    HttpTestClient http = new HttpTestClient(nodes.get(1).server().httpPort(), null);
    assertThat(names(http.get("/api/rooms/" + room + "/members").json().getAsJsonObject().getAsJsonArray("members")))
        .containsExactly("alice", "bob", "carol");

    carol.send("{\"type\":\"nick\",\"nick\":\"caroline\"}");
    carol.awaitJson("nick");
    for (RecordingWebSocket ws : List.of(alice, bob)) {
      JsonObject renamed = ws.awaitJson("system");
      assertThat(renamed.get("event").getAsString()).isEqualTo("nick");
      assertThat(renamed.get("old").getAsString()).isEqualTo("carol");
      assertThat(renamed.get("nick").getAsString()).isEqualTo("caroline");
    }
    assertThat(names(new HttpTestClient(nodes.get(0).server().httpPort(), null)
        .get("/api/rooms/" + room + "/members").json().getAsJsonObject().getAsJsonArray("members")))
        .containsExactly("alice", "bob", "caroline");

    carol.send("{\"type\":\"leave\"}");
    carol.awaitJson("left");
    for (RecordingWebSocket ws : List.of(alice, bob)) {
      JsonObject left = ws.awaitJson("system");
      assertThat(left.get("event").getAsString()).isEqualTo("leave");
      assertThat(left.get("nick").getAsString()).isEqualTo("caroline");
      assertThat(left.get("members").getAsInt()).isEqualTo(2);
    }
    bob.closeNormally();
    JsonObject bobLeft = alice.awaitJson("system");
    assertThat(bobLeft.get("text").getAsString()).isEqualTo("bob left");
    assertThat(bobLeft.get("members").getAsInt()).isEqualTo(1);
  }

  @Test
  void nicksAreUniqueAcrossNodes() {
    RecordingWebSocket alice = join(0, "alice", "lobby");

    RecordingWebSocket impostor = RecordingWebSocket.connect(nodes.get(1).server().wsPort(), "/?nick=alice");
    clients.add(impostor);
    String guest = impostor.awaitJson("welcome").get("nick").getAsString();
    assertThat(guest).startsWith("guest-");
    impostor.awaitError("nick_taken");

    RecordingWebSocket other = join(2, "zed", "lobby");
    other.send("{\"type\":\"nick\",\"nick\":\"alice\",\"cid\":\"n1\"}");
    assertThat(other.awaitError("nick_taken").get("cid").getAsString()).isEqualTo("n1");

    Set<String> guests = new HashSet<>(List.of(guest));
    for (int i = 0; i < 3; i++) {
      RecordingWebSocket g = RecordingWebSocket.connect(nodes.get(i).server().wsPort(), "/");
      clients.add(g);
      guests.add(g.awaitJson("welcome").get("nick").getAsString());
    }
    assertThat(guests).as("guest nicks are unique in the cluster").hasSize(4);

    alice.closeNormally();
    long deadline = System.currentTimeMillis() + 5_000;
    while (true) {
      other.send("{\"type\":\"nick\",\"nick\":\"alice\",\"cid\":\"n2\"}");
      JsonObject answer = other.awaitJsonOfAny("nick", "error");
      if (answer.get("type").getAsString().equals("nick")) {
        assertThat(answer.get("nick").getAsString()).isEqualTo("alice");
        break;
      }
      if (System.currentTimeMillis() > deadline) {
        fail("alice's nick was not released after she left: " + answer);
      }
      sleep(50);
    }
  }

  @Test
  void directMessagesReachTheirTargetOnAnotherNode() {
    RecordingWebSocket alice = join(0, "alice", "lobby");
    RecordingWebSocket bob = join(2, "bob", "elsewhere");

    alice.send("{\"type\":\"dm\",\"to\":\"bob\",\"text\":\"悄悄话\",\"cid\":\"d1\"}");
    JsonObject ack = alice.awaitJson("ack");
    assertThat(ack.get("cid").getAsString()).isEqualTo("d1");
    JsonObject dm = bob.awaitJson("dm");
    assertThat(dm.get("from").getAsString()).isEqualTo("alice");
    assertThat(dm.get("to").getAsString()).isEqualTo("bob");
    assertThat(dm.get("text").getAsString()).isEqualTo("悄悄话");
    assertThat(dm.get("id").getAsString()).isEqualTo(ack.get("id").getAsString());

    alice.send("{\"type\":\"dm\",\"to\":\"nobody\",\"text\":\"hello?\",\"cid\":\"d2\"}");
    assertThat(alice.awaitError("no_such_user").get("cid").getAsString()).isEqualTo("d2");
  }

  @Test
  void httpApiOfAnyNodeAnswersForTheCluster() throws IOException {
    RecordingWebSocket alice = join(0, "alice", "news");
    HttpTestClient node2 = new HttpTestClient(nodes.get(2).server().httpPort(), null);
    HttpTestClient.Response posted = node2.postJson("/api/rooms/news/messages", "{\"from\":\"editor\",\"text\":\"extra!\"}");
    assertThat(posted.status).isEqualTo(201);
    JsonObject chat = alice.awaitJson("chat");
    assertThat(chat.get("from").getAsString()).isEqualTo("editor");
    alice.send(Redis.chat("second", "c2"));
    alice.awaitJson("ack");

    HttpTestClient node1 = new HttpTestClient(nodes.get(1).server().httpPort(), null);
    JsonArray messages = node1.get("/api/rooms/news/messages?limit=10").json().getAsJsonObject().getAsJsonArray("messages");
    assertThat(messages).hasSize(2);
    assertThat(messages.get(0).getAsJsonObject().get("text").getAsString()).isEqualTo("extra!");
    assertThat(messages.get(1).getAsJsonObject().get("seq").getAsLong()).isEqualTo(2);
    JsonArray page = node1.get("/api/rooms/news/messages?before=2&limit=10").json().getAsJsonObject().getAsJsonArray("messages");
    assertThat(page).hasSize(1);

    JsonArray rooms = node1.get("/api/rooms").json().getAsJsonArray();
    assertThat(rooms).hasSize(1);
    JsonObject news = rooms.get(0).getAsJsonObject();
    assertThat(news.get("room").getAsString()).isEqualTo("news");
    assertThat(news.get("members").getAsInt()).isEqualTo(1);
    assertThat(news.get("seq").getAsLong()).isEqualTo(2);
    assertThat(node1.get("/api/rooms/nowhere/messages").status).isEqualTo(404);
  }

  @Test
  void historyPagingAndRecoveryWorkOnAnyNode() {
    RecordingWebSocket alice = join(0, "alice", "log");
    for (int i = 1; i <= 30; i++) {
      alice.send(Redis.chat("m" + i, "c" + i));
    }
    for (int i = 1; i <= 30; i++) {
      alice.awaitJson("ack");
    }
    RecordingWebSocket bob = RecordingWebSocket.open(nodes.get(1).server().wsPort(), "/?nick=bob&room=log&since=25");
    clients.add(bob);
    JsonObject joined = bob.awaitJson("joined");
    assertThat(joined.get("seq").getAsLong()).isEqualTo(30);
    assertThat(seqs(joined.getAsJsonArray("history"))).containsExactly(26L, 27L, 28L, 29L, 30L);
    assertThat(joined.get("truncated").getAsBoolean()).isFalse();

    bob.send("{\"type\":\"history\",\"before\":11,\"limit\":5,\"cid\":\"h\"}");
    assertThat(seqs(bob.awaitJson("history").getAsJsonArray("messages"))).containsExactly(6L, 7L, 8L, 9L, 10L);
  }

  @Test
  void historyIsBoundedPerRoomAndRecoveryReportsWhatWasTrimmed() throws IOException {
    Node small = Node.start(Redis.settings(SHARED_REDIS, prefix).withHistoryLength(5));
    nodes.add(small);
    RecordingWebSocket alice = RecordingWebSocket.open(small.server().wsPort(), "/?nick=alice&room=short");
    clients.add(alice);
    alice.awaitJson("joined");
    for (int i = 1; i <= 8; i++) {
      alice.send(Redis.chat("m" + i, "c" + i));
      alice.awaitJson("ack");
    }
    RecordingWebSocket bob = RecordingWebSocket.open(nodes.get(0).server().wsPort(), "/?nick=bob&room=short&since=1");
    clients.add(bob);
    JsonObject joined = bob.awaitJson("joined");
    assertThat(seqs(joined.getAsJsonArray("history"))).containsExactly(4L, 5L, 6L, 7L, 8L);
    assertThat(joined.get("truncated").getAsBoolean()).as("seqs 2 and 3 were trimmed").isTrue();
    assertThat(Redis.command(6379, "XLEN", prefix + ":msgs:short")).isEqualTo(":5");
  }

  // ---- helpers shared by the Redis tests ----

  static List<String> names(JsonArray array) {
    List<String> out = new ArrayList<>();
    for (JsonElement e : array) {
      out.add(e.getAsString());
    }
    return out;
  }

  static List<Long> seqs(JsonArray messages) {
    List<Long> out = new ArrayList<>();
    for (JsonElement e : messages) {
      out.add(e.getAsJsonObject().get("seq").getAsLong());
    }
    return out;
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** A chat-server node on the Redis engine, with its broker for tests that crash it. */
  record Node(ChatServer server, RedisClusterBroker broker) implements AutoCloseable {
    static Node start(RedisSettings settings) {
      RedisClusterBroker broker = RedisClusterBroker.connect(settings);
      ChatServer server = ChatServer.builder().host("127.0.0.1").wsPort(0).httpPort(0).rateLimit(10_000)
          .cluster(broker).build().start();
      return new Node(server, broker);
    }

    @Override
    public void close() {
      server.close();
    }
  }

  /** Redis for tests: reachability, per-test key prefixes, cleanup, and the protocol's frames. */
  static final class Redis {
    private Redis() {}

    /** Skips the test when Redis on {@code port} is unreachable and CI is unset; fails it when CI is set. */
    static void require(int port) {
      if (ping(port)) {
        return;
      }
      String message = "Redis is not reachable on 127.0.0.1:" + port + "; start it with: redis-server --daemonize yes"
          + " --bind 127.0.0.1 -::1 --port 6379 --save \"\" --appendonly no --dir /var/lib/redis"
          + " --logfile /var/log/redis/ci.log";
      if (System.getenv("CI") != null) {
        fail(message + " (CI is set, so this fails instead of skipping)");
      }
      abort(message + " (skipped because CI is unset)");
    }

    static boolean ping(int port) {
      try {
        return command(port, "PING").startsWith("+PONG");
      } catch (IOException e) {
        return false;
      }
    }

    static String prefixFor(TestInfo test) {
      String method = test.getTestMethod().map(m -> m.getName()).orElse("test")
          .toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
      return "qltest-" + method.substring(0, Math.min(30, method.length())) + "-"
          + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
    }

    static RedisSettings settings(String url, String prefix) {
      return RedisSettings.defaults(url).withKeyPrefix(prefix);
    }

    /** Deletes every key under {@code prefix}; never fails the test. */
    static void deleteKeys(int port, String prefix) {
      try {
        command(port, "EVAL", "for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end return 1",
            "0", prefix + ":*");
      } catch (IOException e) {
        // Redis is gone: nothing to clean.
      }
    }

    /** One command over a fresh socket (RESP); returns the first reply line. Starts no threads. */
    static String command(int port, String... args) throws IOException {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
        socket.setSoTimeout(5_000);
        StringBuilder out = new StringBuilder("*" + args.length + "\r\n");
        for (String a : args) {
          out.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
        }
        OutputStream os = socket.getOutputStream();
        os.write(out.toString().getBytes(StandardCharsets.UTF_8));
        os.flush();
        InputStream in = socket.getInputStream();
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
          line.append((char) c);
        }
        return line.toString().trim();
      }
    }

    /** {@code INFO all} as text (bulk reply). */
    static String info(int port) throws IOException {
      try (Socket socket = new Socket("127.0.0.1", port)) {
        socket.setSoTimeout(5_000);
        OutputStream os = socket.getOutputStream();
        os.write("*2\r\n$4\r\nINFO\r\n$3\r\nall\r\n".getBytes(StandardCharsets.US_ASCII));
        os.flush();
        InputStream in = socket.getInputStream();
        StringBuilder header = new StringBuilder();
        int c;
        while ((c = in.read()) != '\n') {
          header.append((char) c);
        }
        int length = Integer.parseInt(header.substring(1).trim());
        byte[] body = in.readNBytes(length);
        return new String(body, StandardCharsets.UTF_8);
      }
    }

    static String chat(String text, String cid) {
      JsonObject o = new JsonObject();
      o.addProperty("type", "chat");
      o.addProperty("text", text);
      o.addProperty("cid", cid);
      return o.toString();
    }
  }
}
