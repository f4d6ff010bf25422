package io.qingliao.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.qingliao.server.ChatServer;
import io.qingliao.server.testing.NoLeakedThreads;
import io.qingliao.server.testing.RecordingWebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The disk under the SQLite store stops taking writes (as root: the immutable attribute, which
 * also stops writes through descriptors already open, as a read-only file system does): chats
 * are answered {@code server_busy} with their cid, nothing is broadcast, everything else keeps
 * working, and once the disk is back the next chat is stored with the next seq, no gap.
 */
@Timeout(60)
@ExtendWith(NoLeakedThreads.class)
class StoreOutageTest {
  @TempDir Path dataDir;
  private ChatServer server;
  private final List<AutoCloseable> open = new ArrayList<>();
  private boolean readOnly;

  @AfterEach
  void tearDown() throws Exception {
    if (readOnly) {
      setReadOnly(false);
    }
    for (AutoCloseable c : open) {
      c.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void writesAnswerServerBusyWhileTheDiskRefusesThemAndServiceResumesAfter() throws Exception {
    server = ChatServer.builder().host("127.0.0.1").wsPort(0).httpPort(-1).sqliteStore(dataDir).build().start();
    RecordingWebSocket alice = RecordingWebSocket.open(server.wsPort(), "/?nick=alice");
    RecordingWebSocket bob = RecordingWebSocket.open(server.wsPort(), "/?nick=bob");
    open.add(alice);
    open.add(bob);
    alice.awaitJson("joined");
    bob.awaitJson("joined");
    alice.send("{\"type\":\"chat\",\"text\":\"before\",\"cid\":\"b\"}");
    assertThat(alice.awaitJson("ack").get("seq").getAsLong()).isEqualTo(1);
    assertThat(bob.awaitJson("chat").get("seq").getAsLong()).isEqualTo(1);

    setReadOnly(true);
    for (int i = 0; i < 3; i++) {
      alice.send("{\"type\":\"chat\",\"text\":\"lost " + i + "\",\"cid\":\"lost" + i + "\"}");
      JsonObject busy = alice.awaitError("server_busy");
      assertThat(busy.get("cid").getAsString()).isEqualTo("lost" + i);
    }
    // The rest of the protocol keeps working meanwhile, and nothing of the lost chats was broadcast.
    bob.send("{\"type\":\"ping\",\"cid\":\"up\"}");
    assertThat(bob.awaitJson("pong").get("cid").getAsString()).isEqualTo("up");
    alice.send("{\"type\":\"history\",\"cid\":\"h\"}");
    assertThat(alice.awaitJson("history").getAsJsonArray("messages")).hasSize(1);
    RecordingWebSocket carol = RecordingWebSocket.open(server.wsPort(), "/?nick=carol");
    open.add(carol);
    assertThat(carol.awaitJson("joined").get("seq").getAsLong()).isEqualTo(1);

    setReadOnly(false);
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    long seq = -1;
    for (int attempt = 0; seq < 0 && System.nanoTime() < deadline; attempt++) {
      alice.send("{\"type\":\"chat\",\"text\":\"after\",\"cid\":\"a" + attempt + "\"}");
      JsonObject answer = alice.awaitJsonOfAny("ack", "error");
      if (answer.get("type").getAsString().equals("ack")) {
        seq = answer.get("seq").getAsLong();
      } else {
        Thread.sleep(100);
      }
    }
    assertThat(seq).as("the first message stored after the outage").isEqualTo(2);
    JsonObject chat = bob.awaitJson("chat");
    assertThat(chat.get("seq").getAsLong()).isEqualTo(2);
    assertThat(chat.get("text").getAsString()).isEqualTo("after");
    assertThat(server.hub().sessionCount()).isEqualTo(3);
  }

  /** As SqliteMessageStoreTest does: the directory, the database and its WAL, not the mapped -shm. */
  private void setReadOnly(boolean on) throws Exception {
    boolean root = new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes(),
        StandardCharsets.US_ASCII).trim().equals("0");
    List<String> command = new ArrayList<>(root ? List.of("chattr", on ? "+i" : "-i") : List.of("chmod", on ? "a-w" : "u+w"));
    command.add(dataDir.toString());
    try (Stream<Path> files = Files.list(dataDir)) {
      files.filter(f -> !f.getFileName().toString().endsWith("-shm")).forEach(f -> command.add(f.toString()));
    }
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor()).as("%s: %s", command, output).isZero();
    readOnly = on;
  }
}
