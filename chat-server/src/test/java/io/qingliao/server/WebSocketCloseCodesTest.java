package io.qingliao.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.qingliao.server.testing.NoLeakedThreads;
import io.qingliao.server.testing.RawWebSocket;
import io.qingliao.server.testing.RecordingWebSocket;
import io.qingliao.server.testing.RecordingWebSocket.Closing;
import io.qingliao.server.testing.RecordingWebSocket.Open;
import io.qingliao.server.testing.TestServers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import okio.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The close codes and handshake refusals of PROTOCOL.md's limits table, on real sockets. */
@Timeout(30)
@ExtendWith(NoLeakedThreads.class)
class WebSocketCloseCodesTest {
  private final List<AutoCloseable> open = new ArrayList<>();
  private ChatServer server;

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private void start(ChatServer.Builder builder) {
    server = builder.build().start();
  }

  private RecordingWebSocket connect(String pathAndQuery) {
    return connect(pathAndQuery, Map.of());
  }

  private RecordingWebSocket connect(String pathAndQuery, Map<String, String> headers) {
    RecordingWebSocket ws = RecordingWebSocket.connect(server.wsPort(), pathAndQuery, headers);
    open.add(ws);
    return ws;
  }

  private RawWebSocket raw(String pathAndQuery) throws IOException {
    RawWebSocket ws = RawWebSocket.connect(server.wsPort(), pathAndQuery);
    open.add(ws);
    return ws;
  }

  @Test
  void aMessageOverTheLimitCloses1009AndOneAtTheLimitIsRelayed() {
    start(TestServers.memory());
    RecordingWebSocket alice = connect("/?nick=alice");
    alice.awaitJson("joined");
    RecordingWebSocket bob = connect("/?nick=bob");
    bob.awaitJson("joined");
    byte[] atLimit = new byte[65_536];
    Arrays.fill(atLimit, (byte) 7);

    alice.send(ByteString.of(atLimit));
    assertThat(bob.awaitBinary().size()).isEqualTo(65_536);

    alice.send(ByteString.of(new byte[65_537]));
    alice.awaitClose(1009);
  }

  @Test
  void fragmentsAreCountedTogetherAgainstTheLimit() throws IOException {
    start(TestServers.memory());
    RawWebSocket ws = raw("/?nick=fragments");

    ws.sendFrame(RawWebSocket.TEXT, false, "a".repeat(40_000).getBytes(StandardCharsets.UTF_8));
    ws.sendFrame(RawWebSocket.CONTINUATION, true, "b".repeat(30_000).getBytes(StandardCharsets.UTF_8));

    assertThat(ws.awaitCloseCode()).isEqualTo(1009);
  }

  @Test
  void invalidUtf8Closes1007AndOthersCarryOn() throws IOException {
    start(TestServers.memory());
    RecordingWebSocket bystander = connect("/?nick=bystander");
    bystander.awaitJson("joined");
    RawWebSocket ws = raw("/?nick=garbled");

    ws.sendFrame(RawWebSocket.TEXT, true, new byte[] {'h', 'i', (byte) 0xC3, (byte) 0x28});

    assertThat(ws.awaitCloseCode()).isEqualTo(1007);
    bystander.send("{\"type\":\"ping\",\"cid\":\"ok\"}");
    assertThat(bystander.awaitJson("pong").get("cid").getAsString()).isEqualTo("ok");
  }

  @Test
  void aSilentClientIsClosed4000WhileOneThatPingsStays() throws InterruptedException {
    start(TestServers.memory().idleTimeout(Duration.ofSeconds(1)));
    RecordingWebSocket silent = connect("/?nick=silent");
    RecordingWebSocket chatty = connect("/?nick=chatty");
    silent.awaitJson("joined");
    chatty.awaitJson("joined");

    long start = System.nanoTime();
    for (int i = 0; i < 8; i++) {
      chatty.send("{\"type\":\"ping\"}");
      chatty.awaitJson("pong");
      Thread.sleep(250);
    }
    Closing closing = silent.awaitClose(4000, Duration.ofSeconds(3));

    assertThat(closing.reason()).isEqualTo("idle");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
    chatty.send("{\"type\":\"ping\",\"cid\":\"alive\"}");
    assertThat(chatty.awaitJson("pong").get("cid").getAsString()).isEqualTo("alive");
  }

  @Test
  void aRefusedTokenOpensThenCloses4001WithoutWelcome() {
    Authenticator onlyGood = token -> "good".equals(token) ? Optional.of(new Identity("u1", "vip")) : Optional.empty();
    start(TestServers.memory().authenticator(onlyGood));

    RecordingWebSocket refused = connect("/?token=bad&nick=mallory");
    assertThat(refused.next()).isInstanceOf(Open.class);
    RecordingWebSocket.Event event = refused.next();
    assertThat(event).isEqualTo(new Closing(4001, "unauthorized"));
    RecordingWebSocket anonymous = connect("/?nick=nobody");
    anonymous.awaitClose(4001);

    RecordingWebSocket accepted = connect("/", Map.of("Authorization", "Bearer good"));
    assertThat(accepted.awaitJson("welcome").get("nick").getAsString()).isEqualTo("vip");
    assertThat(server.hub().sessionCount()).isEqualTo(1);
  }

  @Test
  void stoppingTheServerCloses1001() {
    start(TestServers.memory());
    RecordingWebSocket alice = connect("/?nick=alice");
    alice.awaitJson("joined");

    server.stop(Duration.ofSeconds(5));

    alice.awaitClose(1001);
  }

  @Test
  void anOriginNotAllowedIsRefusedWith403() throws IOException {
    start(TestServers.memory().origins(List.of("https://chat.example.com")));

    assertThat(connect("/", Map.of("Origin", "https://evil.example.com")).awaitRefusal()).isEqualTo(403);
    assertThat(RawWebSocket.handshakeStatus(server.wsPort(), "/", "Origin: https://evil.example.com\r\n"))
        .isEqualTo("HTTP/1.1 403 Forbidden");
    connect("/", Map.of("Origin", "https://CHAT.example.com")).awaitJson("welcome");
    connect("/").awaitJson("welcome"); // no Origin: not a browser, nothing to protect
  }

  @Test
  void connectionsOverTheLimitAreRefusedWith503UntilOneLeaves() throws IOException, InterruptedException {
    start(TestServers.memory().maxConnections(2));
    RecordingWebSocket first = connect("/?nick=first");
    first.awaitJson("joined");
    connect("/?nick=second").awaitJson("joined");

    assertThat(connect("/?nick=third").awaitRefusal()).isEqualTo(503);
    assertThat(RawWebSocket.handshakeStatus(server.wsPort(), "/", ""))
        .isEqualTo("HTTP/1.1 503 Service Unavailable");

    first.closeNormally();
    first.awaitClose(1000);
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (server.hub().sessionCount() > 1 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    connect("/?nick=fourth").awaitJson("welcome");
  }
}
