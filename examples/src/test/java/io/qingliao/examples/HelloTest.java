package io.qingliao.examples;

import io.qingliao.server.testing.NoLeakedThreads;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import io.qingliao.core.RoomName;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoLeakedThreads.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HelloTest {
  private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
  private Hello server;

  @BeforeEach
  void start() throws Exception {
    server = new Hello(new InetSocketAddress("127.0.0.1", 0), new PrintStream(logBytes, true, StandardCharsets.UTF_8))
        .startAndWait();
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  @Test
  void greetsEachClientFirstAndRelaysPlainTextToTheOthers() throws Exception {
    try (TextWsClient alice = TextWsClient.connect("ws://127.0.0.1:" + server.port() + "/?nick=alice")) {
      assertThat(alice.next()).isEqualTo("嗨嗨");
      awaitMembers("alice");
      TextWsClient bob = TextWsClient.connect("ws://127.0.0.1:" + server.port() + "/?nick=bob");
      assertThat(bob.next()).isEqualTo("嗨嗨");
      alice.awaitFrame("bob joined");
      awaitMembers("alice", "bob");

      alice.send("你好");

      bob.awaitFrame("alice: 你好");
      alice.awaitFrame("alice: 你好"); // the sender sees its message in the room, like everyone
      assertThat(logBytes.toString(StandardCharsets.UTF_8)).contains("received: 你好");

      bob.send("hi alice");
      alice.awaitFrame("bob: hi alice");

      bob.close();
      alice.awaitFrame("bob left");
    }
  }

  private void awaitMembers(String... nicks) {
    Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> server.hub().members(RoomName.LOBBY), members -> members.equals(List.of(nicks)));
  }

  @Test
  void aJsonClientGetsTheGreetingThenTheProtocol() throws Exception {
    try (TextWsClient json = TextWsClient.connect("ws://127.0.0.1:" + server.port() + "/?format=json&nick=carol&room=" + URLEncoder.encode("大厅", StandardCharsets.UTF_8))) {
      assertThat(json.next()).isEqualTo("嗨嗨");
      assertThat(json.next()).startsWith("{").contains("\"type\":\"welcome\"").contains("\"nick\":\"carol\"");
      assertThat(json.next()).contains("\"type\":\"joined\"").contains("\"room\":\"大厅\"");

      json.send("{\"type\":\"chat\",\"text\":\"早\",\"cid\":\"c1\"}");

      assertThat(json.awaitMatching(f -> f.contains("\"type\":\"chat\""))).contains("\"text\":\"早\"").contains("\"seq\":1");
      assertThat(json.awaitMatching(f -> f.contains("\"type\":\"ack\""))).contains("\"cid\":\"c1\"");
    }
  }

  @Test
  void anInvalidNickStillGetsTheGreetingAndAGuestName() throws Exception {
    try (TextWsClient odd = TextWsClient.connect("ws://127.0.0.1:" + server.port() + "/?nick=a%07b&room=%E5%A4%A7")) {
      assertThat(odd.next()).isEqualTo("嗨嗨");
      assertThat(odd.next()).startsWith("error: ");
      odd.send("still here");
      assertThat(odd.awaitMatching(f -> f.endsWith(": still here"))).startsWith("guest-");
    }
    assertThat(server.hub().room(new RoomName("大"))).isPresent();
  }

  @Test
  void anOversizedFrameClosesTheConnectionWith1009() throws Exception {
    try (TextWsClient big = TextWsClient.connect("ws://127.0.0.1:" + server.port() + "/?nick=big")) {
      assertThat(big.next()).isEqualTo("嗨嗨");
      big.send("x".repeat(Hello.MAX_FRAME_BYTES + 1));
      assertThat(big.awaitCloseCode()).isEqualTo(1009);
    }
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> server.hub().members(RoomName.LOBBY).isEmpty());
  }

  @Test
  void queryValuesArePercentDecodedAndBrokenEscapesKept() {
    assertThat(Hello.query("/chat?nick=%E5%B0%8F%E6%98%8E&room=a+b&nick=second&x=%zz"))
        .containsEntry("nick", "小明")
        .containsEntry("room", "a b")
        .containsEntry("x", "%zz");
    assertThat(Hello.query("/")).isEmpty();
  }

  @Test
  void aTakenPortIsReportedAtStart() throws Exception {
    Hello second = new Hello(new InetSocketAddress("127.0.0.1", server.port()), System.out);
    try {
      second.startAndWait();
      throw new AssertionError("a second server bound port " + server.port());
    } catch (IllegalStateException expected) {
      assertThat(expected).hasMessageContaining("cannot listen");
    }
  }
}
