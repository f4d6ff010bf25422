package io.qingliao.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.qingliao.server.testing.NoLeakedThreads;
import io.qingliao.server.testing.RecordingWebSocket;
import io.qingliao.server.testing.TestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import okio.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The original mini-program page: it connects with no query (or {@code format=text}), sends plain
 * text with {@code io.send({data: text})} and shows each frame's {@code msg.data} as it comes.
 */
@Timeout(30)
@ExtendWith(NoLeakedThreads.class)
class WebSocketLegacyTextTest {
  private final List<RecordingWebSocket> open = new ArrayList<>();
  private ChatServer server;

  @BeforeEach
  void startServer() {
    server = TestServers.memory().build().start();
  }

  @AfterEach
  void tearDown() {
    open.forEach(RecordingWebSocket::close);
    server.close();
  }

  private RecordingWebSocket connect(String pathAndQuery) {
    RecordingWebSocket ws = RecordingWebSocket.connect(server.wsPort(), pathAndQuery);
    open.add(ws);
    return ws;
  }

  @Test
  void twoPagesWithNoQuerySeeEachOthersPlainText() {
    RecordingWebSocket first = connect("");
    String firstNick = first.awaitJson("welcome").get("nick").getAsString();
    first.awaitJson("joined");
    RecordingWebSocket second = connect("");
    second.awaitJson("joined");

    first.send("你好，世界");
    // Two connections sending at once have no order between them: reply only once it arrived.
    JsonObject secondSawFirst = second.awaitJson("chat");
    second.send("hello back");

    for (RecordingWebSocket page : List.of(first, second)) {
      JsonObject one = page == second ? secondSawFirst : page.awaitJson("chat");
      JsonObject two = page.awaitJson("chat");
      assertThat(one.get("text").getAsString()).isEqualTo("你好，世界");
      assertThat(one.get("from").getAsString()).isEqualTo(firstNick);
      assertThat(two.get("text").getAsString()).isEqualTo("hello back");
      assertThat(two.get("seq").getAsLong()).isEqualTo(one.get("seq").getAsLong() + 1);
    }
  }

  @Test
  void textFormatGetsOnlyPlainLinesForChatSystemAndErrors() {
    RecordingWebSocket alice = connect("/?format=text&nick=alice");
    alice.assertNoMessage(Duration.ofMillis(200)); // no welcome, no joined: nothing to show yet
    RecordingWebSocket bob = connect("/?format=text&nick=bob");

    assertThat(alice.awaitText()).contains("bob");
    bob.send("hi alice");
    assertThat(alice.awaitText()).isEqualTo("bob: hi alice");
    assertThat(bob.awaitText()).isEqualTo("bob: hi alice");

    alice.send("{\"type\":\"join\",\"room\":\"not valid!\"}");
    assertThat(alice.awaitText()).startsWith("error: ");

    alice.send("{\"type\":\"ping\"}");
    alice.send(ByteString.of((byte) 1, (byte) 2));
    alice.assertNoMessage(Duration.ofMillis(200)); // no pong to alice, no binary to bob
    bob.assertNoMessage(Duration.ofMillis(1));
  }

  @Test
  void textFormatReplaysHistoryAsLinesInOrder() {
    RecordingWebSocket alice = connect("/?nick=alice");
    alice.awaitJson("joined");
    alice.send("first");
    alice.awaitJson("ack");
    alice.send("second");
    alice.awaitJson("ack");

    RecordingWebSocket page = connect("/?format=text&since=0");

    assertThat(page.awaitText()).isEqualTo("alice: first");
    assertThat(page.awaitText()).isEqualTo("alice: second");
  }

  @Test
  void jsonAndTextClientsShareARoom() {
    RecordingWebSocket json = connect("/?nick=modern");
    json.awaitJson("joined");
    RecordingWebSocket legacy = connect("/?format=text&nick=legacy");
    json.awaitJson("system");

    legacy.send("from the old page");
    JsonObject chat = json.awaitJson("chat");
    assertThat(chat.get("from").getAsString()).isEqualTo("legacy");
    assertThat(legacy.awaitText()).isEqualTo("legacy: from the old page");

    json.send("{\"type\":\"chat\",\"text\":\"from the new app\",\"cid\":\"x\"}");
    assertThat(legacy.awaitText()).isEqualTo("modern: from the new app");
  }
}
