package io.qingliao.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.qingliao.core.ChatMessage;
import io.qingliao.core.MessageStore;
import io.qingliao.core.RoomName;
import io.qingliao.server.ChatServer;
import io.qingliao.server.internal.redis.RedisClusterBroker;
import io.qingliao.server.internal.redis.RedisSettings;
import io.qingliao.server.testing.NoLeakedThreads;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Redis engine: the test's own redis-server (free port, {@code appendfsync always}) is killed
 * with SIGKILL while clients on two nodes chat continuously, then started again on the same port
 * and directory. While it is down chats are answered {@code server_busy} (a stored chat whose ack
 * waits for an earlier seq that had not reached its node is acked after the restart), no session
 * is closed and the nodes keep running; once it is back the nodes reconnect by themselves, every
 * chat acked before the kill is in the room's history under the seq and id of its ack, the
 * history's seqs are gapless from 1 with one id per seq, and the chats acked after the restart
 * go on from there. Without redis-server the test is skipped, unless {@code CI} is set (then it
 * fails).
 */
@Timeout(60)
@ExtendWith(NoLeakedThreads.class)
class RedisKillUnderLoadTest {
  private static final List<String> ROOMS = List.of("alpha", "大厅");
  private static final int WRITERS_PER_NODE_AND_ROOM = 2;
  private static final int ACKS_BEFORE_KILL = 200;
  private static final int ACKS_AFTER_RESTART = 20;
  private static final int BEFORE_KILL = 0;
  private static final int REDIS_DOWN = 1;
  private static final int RESTARTED = 2;

  @TempDir Path dataDir;

  private int port;
  private Process redis;
  private final List<Node> nodes = new ArrayList<>();
  private final List<Writer> writers = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private final Queue<String> failures = new ConcurrentLinkedQueue<>();
  private volatile int phase = BEFORE_KILL;
  private volatile boolean stop;

  @BeforeEach
  void startRedisAndTwoNodes() throws IOException {
    port = freePort();
    startRedis();
    RedisSettings settings = RedisSettings.defaults("redis://127.0.0.1:" + port)
        .withKeyPrefix("qltest-rediskill").withHistoryLength(100_000);
    for (int i = 0; i < 2; i++) {
      RedisClusterBroker broker = RedisClusterBroker.connect(settings);
      ChatServer server = ChatServer.builder().host("127.0.0.1").wsPort(0).httpPort(-1).rateLimit(10_000)
          .cluster(broker).build().start();
      nodes.add(new Node(server, broker));
    }
  }

  @AfterEach
  void stopEverything() {
    stopWriters();
    for (Writer w : writers) {
      try {
        w.ws.close();
      } catch (IOException ignored) {
        // already gone
      }
    }
    try {
      nodes.forEach(n -> n.server.close()); // before Redis goes: a graceful stop while it still answers
    } finally {
      killRedis();
    }
  }

  @Test
  void ackedChatsSurviveKill9OfRedisUnderLoadAndSeqsGoOnWithoutGapOrReuse() throws Exception {
    // Writers in each room on each node.
    for (String room : ROOMS) {
      for (int n = 0; n < nodes.size() * WRITERS_PER_NODE_AND_ROOM; n++) {
        String nick = "w" + writers.size();
        HostileSocket ws = HostileSocket.upgraded(nodes.get(n % nodes.size()).server.wsPort(),
            "/?nick=" + nick + "&room=" + URLEncoder.encode(room, StandardCharsets.UTF_8));
        ws.awaitJson("joined");
        writers.add(new Writer(nick, room, ws));
      }
    }
    for (Writer w : writers) {
      Thread t = new Thread(w, "redis-kill-writer-" + w.nick);
      threads.add(t);
      t.start();
    }

    awaitAll("every writer acked " + ACKS_BEFORE_KILL + " chats before the kill",
        () -> writers.stream().allMatch(w -> w.acks[BEFORE_KILL].get() >= ACKS_BEFORE_KILL));

    phase = REDIS_DOWN;
    killRedis(); // SIGKILL under load
    // A chat in flight at the kill may have been stored with its reply on the way while the chat
    // before it (another node's) had not reached this node yet: its ack then waits for that seq,
    // which the node can only read back once Redis is there again. So not every writer gets
    // server_busy; the others are acked after the restart.
    awaitAll("writers got server_busy while Redis was down",
        () -> writers.stream().mapToInt(w -> w.busy[REDIS_DOWN].get()).sum() >= 10);
    Thread.sleep(300); // keep sending into the outage for a moment

    startRedis();
    phase = RESTARTED;
    awaitAll("every writer acked " + ACKS_AFTER_RESTART + " chats sent after the restart",
        () -> writers.stream().allMatch(w -> w.acks[RESTARTED].get() >= ACKS_AFTER_RESTART));
    stopWriters();
    assertThat(failures).as("failures of the writers (closed sessions, unexpected answers)").isEmpty();

    int busyWhileDown = writers.stream().mapToInt(w -> w.busy[REDIS_DOWN].get()).sum();
    assertThat(busyWhileDown).as("server_busy answers while Redis was down").isPositive();
    for (Node node : nodes) {
      assertThat(node.server.hub().sessionCount()).as("no session was closed")
          .isEqualTo(ROOMS.size() * WRITERS_PER_NODE_AND_ROOM);
    }
    for (Writer w : writers) {
      w.ws.assertAlive("alive-" + w.nick);
    }

    MessageStore history = nodes.get(0).broker.store();
    for (String room : ROOMS) {
      List<ChatMessage> stored = readAll(history, new RoomName(room));
      List<Ack> acked = writers.stream().filter(w -> w.room.equals(room)).flatMap(w -> w.acked.stream()).toList();

      assertThat(stored.stream().map(ChatMessage::seq).toList()).as("seqs of %s are gapless from 1", room)
          .isEqualTo(LongStream.rangeClosed(1, stored.size()).boxed().toList());
      assertThat(stored.stream().map(ChatMessage::id).distinct().count()).as("one id per seq in %s", room)
          .isEqualTo(stored.size());
      for (Ack ack : acked) {
        assertThat(ack.seq).as("acked seq %d of %s (cid %s) is stored", ack.seq, room, ack.cid)
            .isBetween(1L, (long) stored.size());
        ChatMessage message = stored.get((int) ack.seq - 1);
        assertThat(message.id()).as("id stored under acked seq %d of %s", ack.seq, room).isEqualTo(ack.id);
        assertThat(message.cid()).as("cid stored under acked seq %d of %s", ack.seq, room).isEqualTo(ack.cid);
      }
      assertThat(acked.stream().map(a -> a.seq).distinct().count()).as("no seq acked twice in %s", room)
          .isEqualTo(acked.size());

      long lastBeforeKill = acked.stream().filter(a -> a.sendPhase < RESTARTED).mapToLong(a -> a.seq).max().orElseThrow();
      long firstAfterRestart = acked.stream().filter(a -> a.sendPhase == RESTARTED).mapToLong(a -> a.seq).min().orElseThrow();
      assertThat(firstAfterRestart).as("seq after the restart goes on after the last acked one in %s", room)
          .isGreaterThan(lastBeforeKill);
      long ackedBeforeKill = acked.stream().filter(a -> a.readPhase == BEFORE_KILL).count();
      long heldOverOutage = acked.stream().filter(a -> a.sendPhase < RESTARTED && a.readPhase == RESTARTED).count();
      System.out.printf("redis kill -9: room %s: %d acked before the kill (last seq %d), %d stored in all,"
              + " first seq acked after the restart %d, %d acks of chats sent before the kill came after the restart%n",
          room, ackedBeforeKill, lastBeforeKill, stored.size(), firstAfterRestart, heldOverOutage);
    }
    for (Writer w : writers) {
      for (int i = 1; i < w.delivered.size(); i++) {
        assertThat(w.delivered.get(i)).as("chats delivered to %s in seq order without gap or duplicate", w.nick)
            .isEqualTo(w.delivered.get(i - 1) + 1);
      }
    }
    System.out.printf("redis kill -9: %d server_busy answers while Redis was down%n", busyWhileDown);
  }

  // ---- writers ----

  private record Ack(String cid, long seq, String id, int sendPhase, int readPhase) {}

  private record Node(ChatServer server, RedisClusterBroker broker) {}

  /** One client: sends a chat, waits for its ack or error, records it, and again, until stopped. */
  private final class Writer implements Runnable {
    final String nick;
    final String room;
    final HostileSocket ws;
    final AtomicInteger[] acks = {new AtomicInteger(), new AtomicInteger(), new AtomicInteger()};
    final AtomicInteger[] busy = {new AtomicInteger(), new AtomicInteger(), new AtomicInteger()};
    /** Read by the test thread only after this writer's thread ended. */
    final List<Ack> acked = new ArrayList<>();
    final List<Long> delivered = new ArrayList<>();

    Writer(String nick, String room, HostileSocket ws) {
      this.nick = nick;
      this.room = room;
      this.ws = ws;
    }

    @Override
    public void run() {
      try {
        for (int n = 0; !stop; n++) {
          int sendPhase = phase;
          String cid = nick + "-" + n;
          JsonObject chat = new JsonObject();
          chat.addProperty("type", "chat");
          chat.addProperty("text", "load " + cid);
          chat.addProperty("cid", cid);
          ws.sendText(chat.toString());
          JsonObject answer = awaitAnswer(cid);
          int readPhase = phase;
          if (answer.get("type").getAsString().equals("ack")) {
            acked.add(new Ack(cid, answer.get("seq").getAsLong(), answer.get("id").getAsString(), sendPhase, readPhase));
            acks[sendPhase].incrementAndGet();
          } else if (answer.get("code").getAsString().equals("server_busy") && readPhase != BEFORE_KILL) {
            // In flight when Redis died (sent before the kill), or sent while it was down.
            busy[Math.max(sendPhase, REDIS_DOWN)].incrementAndGet();
            Thread.sleep(5);
          } else {
            failures.add(nick + ": unexpected answer in phase " + sendPhase + ": " + answer);
            return;
          }
        }
      } catch (Throwable e) {
        failures.add(nick + ": " + e);
      }
    }

    /**
     * Reads frames until the ack or error of {@code cid}, recording the chats delivered meanwhile.
     * Waits through the outage: an answer may be held until Redis is back (see the test).
     */
    private JsonObject awaitAnswer(String cid) throws IOException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (true) {
        HostileSocket.Frame frame;
        try {
          frame = ws.readFrame();
        } catch (SocketTimeoutException quiet) {
          if (stop || System.nanoTime() > deadline) {
            throw new AssertionError("no answer to " + cid + " in phase " + phase, quiet);
          }
          continue;
        }
        if (frame.opcode() == HostileSocket.CLOSE) {
          throw new AssertionError("session closed by the server with " + frame.closeCode());
        }
        if (frame.opcode() != HostileSocket.TEXT) {
          continue;
        }
        JsonObject json = JsonParser.parseString(frame.text()).getAsJsonObject();
        String type = json.get("type").getAsString();
        if (type.equals("chat")) {
          delivered.add(json.get("seq").getAsLong());
        } else if (type.equals("ack") || type.equals("error")) {
          if (!json.has("cid") || !json.get("cid").getAsString().equals(cid)) {
            throw new AssertionError("answer for another request while waiting for " + cid + ": " + json);
          }
          return json;
        }
      }
    }
  }

  private void stopWriters() {
    stop = true;
    for (Thread t : threads) {
      try {
        t.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (t.isAlive()) {
        failures.add(t.getName() + " did not stop");
      }
    }
  }

  private void awaitAll(String what, BooleanSupplier done) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (!done.getAsBoolean()) {
      if (!failures.isEmpty()) {
        fail("waiting until " + what + ", writers failed: " + failures);
      }
      if (System.nanoTime() > deadline) {
        fail("timed out waiting until " + what);
      }
      Thread.sleep(10);
    }
  }

  private static List<ChatMessage> readAll(MessageStore store, RoomName room) {
    List<ChatMessage> all = new ArrayList<>();
    while (true) {
      List<ChatMessage> page = store.readAfter(room, all.isEmpty() ? 0 : all.get(all.size() - 1).seq(), 1_000);
      if (page.isEmpty()) {
        return all;
      }
      all.addAll(page);
    }
  }

  // ---- the test's own redis-server ----

  private void startRedis() throws IOException {
    List<String> command = List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", dataDir.toString());
    try {
      redis = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(new File(dataDir.toFile(), "redis.log"))).start();
    } catch (IOException e) {
      if (System.getenv("CI") != null) {
        throw e;
      }
      abort("redis-server is not installed (skipped because CI is unset): " + e.getMessage());
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!ping(port)) {
      if (System.nanoTime() > deadline || !redis.isAlive()) {
        fail("redis-server did not start on port " + port);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  /** SIGKILL (kill -9): no chance to flush anything that was not yet on disk. */
  private void killRedis() {
    Process process = redis;
    if (process == null) {
      return;
    }
    process.toHandle().destroyForcibly();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        fail("redis-server did not die after SIGKILL");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    redis = null;
  }

  private static boolean ping(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
      socket.setSoTimeout(2_000);
      OutputStream out = socket.getOutputStream();
      out.write("*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      StringBuilder line = new StringBuilder();
      int c;
      while ((c = in.read()) != -1 && c != '\n') {
        line.append((char) c);
      }
      return line.toString().startsWith("+PONG");
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
