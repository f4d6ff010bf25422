package io.qingliao.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.qingliao.server.testing.NoLeakedThreads;
import io.qingliao.server.testing.RawWebSocket;
import io.qingliao.server.testing.RecordingWebSocket;
import io.qingliao.server.testing.TestServers;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import okio.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every request, event and error code of PROTOCOL.md in JSON format, over a real socket. */
@Timeout(30)
@ExtendWith(NoLeakedThreads.class)
class WebSocketProtocolTest {
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
    return track(RecordingWebSocket.connect(server.wsPort(), pathAndQuery));
  }

  private RecordingWebSocket connect(String pathAndQuery, Map<String, String> headers) {
    return track(RecordingWebSocket.connect(server.wsPort(), pathAndQuery, headers));
  }

  private RecordingWebSocket track(RecordingWebSocket ws) {
    open.add(ws);
    return ws;
  }

  /** Connects and consumes welcome and joined. */
  private RecordingWebSocket joined(String pathAndQuery) {
    RecordingWebSocket ws = connect(pathAndQuery);
    ws.awaitJson("welcome");
    ws.awaitJson("joined");
    return ws;
  }

  private static JsonObject request(String type, Object... fieldsAndValues) {
    JsonObject o = new JsonObject();
    o.addProperty("type", type);
    for (int i = 0; i < fieldsAndValues.length; i += 2) {
      Object value = fieldsAndValues[i + 1];
      if (value instanceof Number n) {
        o.addProperty((String) fieldsAndValues[i], n);
      } else {
        o.addProperty((String) fieldsAndValues[i], (String) value);
      }
    }
    return o;
  }

  private static List<String> strings(JsonArray array) {
    List<String> out = new ArrayList<>();
    for (JsonElement e : array) {
      out.add(e.getAsString());
    }
    return out;
  }

  @Test
  void connectingGetsWelcomeThenJoinedForTheLobby() {
    start(TestServers.memory().idleTimeout(Duration.ofSeconds(40)));
    RecordingWebSocket ws = connect("/");

    JsonObject welcome = ws.awaitJson("welcome");
    assertThat(welcome.get("session").getAsString()).isNotBlank();
    assertThat(welcome.get("nick").getAsString()).startsWith("guest-");
    assertThat(welcome.get("heartbeat").getAsInt()).isEqualTo(20);
    assertThat(welcome.get("server").getAsString()).isNotBlank();
    JsonObject joined = ws.awaitJson("joined");
    assertThat(joined.get("room").getAsString()).isEqualTo("lobby");
    assertThat(strings(joined.getAsJsonArray("members"))).containsExactly(welcome.get("nick").getAsString());
    assertThat(joined.get("seq").getAsLong()).isZero();
    assertThat(joined.getAsJsonArray("history")).isEmpty();
    assertThat(joined.get("truncated").getAsBoolean()).isFalse();
  }

  @Test
  void urlParametersArePercentDecodedUtf8OnAnyPath() {
    start(TestServers.memory());
    RecordingWebSocket ws = connect("/any/path?nick=%E5%B0%8F%E6%98%8E&room=%E5%A4%A7%E5%8E%85");

    assertThat(ws.awaitJson("welcome").get("nick").getAsString()).isEqualTo("小明");
    assertThat(ws.awaitJson("joined").get("room").getAsString()).isEqualTo("大厅");
  }

  @Test
  void aQueryInRawUtf8IsReadAsUtf8() throws IOException {
    start(TestServers.memory());
    try (RawWebSocket ws = RawWebSocket.connect(server.wsPort(), "/?nick=小明&room=大厅")) {
      JsonObject welcome = JsonParser.parseString(ws.readFrame().text()).getAsJsonObject();
      JsonObject joined = JsonParser.parseString(ws.readFrame().text()).getAsJsonObject();

      assertThat(welcome.get("nick").getAsString()).isEqualTo("小明");
      assertThat(joined.get("room").getAsString()).isEqualTo("大厅");
    }
  }

  @Test
  void chatIsAckedToTheSenderAndBroadcastToEveryMemberWithTheCid() {
    start(TestServers.memory());
    RecordingWebSocket alice = joined("/?nick=alice");
    RecordingWebSocket bob = joined("/?nick=bob");
    alice.awaitJson("system");

    alice.send(request("chat", "text", "你好 bob", "cid", "c-1"));

    JsonObject ack = alice.awaitJson("ack");
    assertThat(ack.get("cid").getAsString()).isEqualTo("c-1");
    assertThat(ack.get("room").getAsString()).isEqualTo("lobby");
    assertThat(ack.get("seq").getAsLong()).isEqualTo(1);
    for (RecordingWebSocket member : List.of(alice, bob)) {
      JsonObject chat = member.awaitJson("chat");
      assertThat(chat.get("id").getAsString()).isEqualTo(ack.get("id").getAsString());
      assertThat(chat.get("from").getAsString()).isEqualTo("alice");
      assertThat(chat.get("text").getAsString()).isEqualTo("你好 bob");
      assertThat(chat.get("seq").getAsLong()).isEqualTo(1);
      assertThat(chat.get("cid").getAsString()).isEqualTo("c-1");
      assertThat(chat.get("ts").getAsLong()).isEqualTo(ack.get("ts").getAsLong());
    }
  }

  @Test
  void aPlainTextFrameIsAChatMessageInTheCurrentRoom() {
    start(TestServers.memory());
    RecordingWebSocket alice = joined("/?nick=alice&room=dev");

    alice.send("just text, as the mini-program page sends it");

    alice.awaitJson("ack");
    JsonObject chat = alice.awaitJson("chat");
    assertThat(chat.get("room").getAsString()).isEqualTo("dev");
    assertThat(chat.get("text").getAsString()).isEqualTo("just text, as the mini-program page sends it");
  }

  @Test
  void joinAndLeaveAnswerTheSenderAndNotifyTheOthers() {
    start(TestServers.memory());
    RecordingWebSocket alice = joined("/?nick=alice&room=dev");
    RecordingWebSocket bob = joined("/?nick=bob");

    bob.send(request("join", "room", "dev", "cid", "j1"));
    JsonObject joined = bob.awaitJson("joined");
    assertThat(joined.get("room").getAsString()).isEqualTo("dev");
    assertThat(strings(joined.getAsJsonArray("members"))).containsExactlyInAnyOrder("alice", "bob");
    JsonObject notice = alice.awaitJson("system");
    assertThat(notice.get("event").getAsString()).isEqualTo("join");
    assertThat(notice.get("nick").getAsString()).isEqualTo("bob");
    assertThat(notice.get("members").getAsInt()).isEqualTo(2);
    assertThat(notice.get("text").getAsString()).contains("bob");

    bob.send(request("leave", "room", "dev"));
    assertThat(bob.awaitJson("left").get("room").getAsString()).isEqualTo("dev");
    JsonObject leave = alice.awaitJson("system");
    assertThat(leave.get("event").getAsString()).isEqualTo("leave");
    assertThat(leave.get("members").getAsInt()).isEqualTo(1);
  }

  @Test
  void historyPagesBackwardsAndMembersListsNicks() {
    start(TestServers.memory());
    RecordingWebSocket alice = joined("/?nick=alice");
    for (int i = 1; i <= 5; i++) {
      alice.send(request("chat", "text", "m" + i));
      alice.awaitJson("ack");
    }

    alice.send(request("history", "room", "lobby", "before", 5, "limit", 2, "cid", "h"));
    JsonObject history = alice.awaitJson("history");
    assertThat(history.get("room").getAsString()).isEqualTo("lobby");
    List<Long> seqs = new ArrayList<>();
    history.getAsJsonArray("messages").forEach(m -> seqs.add(m.getAsJsonObject().get("seq").getAsLong()));
    assertThat(seqs).containsExactly(3L, 4L);

    alice.send(request("members", "room", "lobby"));
    assertThat(strings(alice.awaitJson("members").getAsJsonArray("members"))).containsExactly("alice");
  }

  @Test
  void reconnectingWithSinceReplaysWhatWasMissed() {
    start(TestServers.memory());
    RecordingWebSocket alice = joined("/?nick=alice");
    for (int i = 1; i <= 3; i++) {
      alice.send("m" + i);
      alice.awaitJson("ack");
    }

    RecordingWebSocket bob = connect("/?nick=bob&since=1");
    bob.awaitJson("welcome");
    JsonObject joined = bob.awaitJson("joined");
    List<String> texts = new ArrayList<>();
    joined.getAsJsonArray("history").forEach(m -> texts.add(m.getAsJsonObject().get("text").getAsString()));
    assertThat(texts).containsExactly("m2", "m3");
    assertThat(joined.get("seq").getAsLong()).isEqualTo(3);
  }

  @Test
  void nickChangeIsAnsweredAndAnnouncedAndATakenNickIsRefused() {
    start(TestServers.memory());
    RecordingWebSocket alice = joined("/?nick=alice");
    RecordingWebSocket bob = joined("/?nick=bob");
    alice.awaitJson("system");

    alice.send(request("nick", "nick", "alicia", "cid", "n1"));
    JsonObject reply = alice.awaitJson("nick");
    assertThat(reply.get("nick").getAsString()).isEqualTo("alicia");
    assertThat(reply.get("cid").getAsString()).isEqualTo("n1");
    JsonObject notice = bob.awaitJson("system");
    assertThat(notice.get("event").getAsString()).isEqualTo("nick");
    assertThat(notice.get("nick").getAsString()).isEqualTo("alicia");
    assertThat(notice.get("old").getAsString()).isEqualTo("alice");

    bob.send(request("nick", "nick", "alicia", "cid", "n2"));
    assertThat(bob.awaitError("nick_taken").get("cid").getAsString()).isEqualTo("n2");
  }

  @Test
  void aTakenNickInTheUrlStillOpensWithAGuestNick() {
    start(TestServers.memory());
    joined("/?nick=alice");
    RecordingWebSocket second = connect("/?nick=alice");

    assertThat(second.awaitJson("welcome").get("nick").getAsString()).startsWith("guest-");
    second.awaitError("nick_taken");
  }

  @Test
  void directMessagesReachTheTargetAndUnknownTargetsAreErrors() {
    start(TestServers.memory());
    RecordingWebSocket alice = joined("/?nick=alice&room=a");
    RecordingWebSocket bob = joined("/?nick=bob&room=b");

    alice.send(request("dm", "to", "bob", "text", "psst", "cid", "d1"));
    assertThat(alice.awaitJson("ack").get("cid").getAsString()).isEqualTo("d1");
    JsonObject dm = bob.awaitJson("dm");
    assertThat(dm.get("from").getAsString()).isEqualTo("alice");
    assertThat(dm.get("to").getAsString()).isEqualTo("bob");
    assertThat(dm.get("text").getAsString()).isEqualTo("psst");

    alice.send(request("dm", "to", "nobody", "text", "hello?", "cid", "d2"));
    assertThat(alice.awaitError("no_such_user").get("cid").getAsString()).isEqualTo("d2");
  }

  @Test
  void pingIsAnsweredWithPong() {
    start(TestServers.memory());
    RecordingWebSocket alice = joined("/");

    alice.send(request("ping", "cid", "p1"));

    assertThat(alice.awaitJson("pong").get("cid").getAsString()).isEqualTo("p1");
  }

  @Test
  void badRequestsAreAnsweredAndTheConnectionStaysOpen() {
    start(TestServers.memory());
    RecordingWebSocket alice = joined("/?nick=alice");

    alice.send("{not json");
    alice.awaitError("bad_request");
    alice.send(request("fly", "cid", "u"));
    assertThat(alice.awaitError("unknown_type").get("cid").getAsString()).isEqualTo("u");
    alice.send(request("join", "room", "no spaces allowed"));
    alice.awaitError("invalid_room");
    alice.send(request("history", "room", "elsewhere"));
    alice.awaitError("not_member");
    alice.send(request("chat", "text", "x".repeat(4097)));
    alice.awaitError("too_long");
    alice.send(request("history", "room", "lobby", "limit", 101));
    alice.awaitError("bad_request");
    alice.send(request("nick", "nick", "bad\u0001nick"));
    alice.awaitError("invalid_nick");

    alice.send(request("ping", "cid", "still-here"));
    assertThat(alice.awaitJson("pong").get("cid").getAsString()).isEqualTo("still-here");
  }

  @Test
  void invalidUrlNickAndRoomAreReportedAfterTheWelcome() {
    start(TestServers.memory());
    RecordingWebSocket ws = connect("/?nick=%01&room=bad%20room");

    assertThat(ws.awaitJson("welcome").get("nick").getAsString()).startsWith("guest-");
    ws.awaitError("invalid_nick");
    ws.awaitError("invalid_room");
  }

  @Test
  void aSessionMayBeInSixteenRooms() {
    start(TestServers.memory());
    RecordingWebSocket alice = joined("/?nick=alice");
    for (int i = 2; i <= 16; i++) {
      alice.send(request("join", "room", "r" + i));
      alice.awaitJson("joined");
    }

    alice.send(request("join", "room", "r17", "cid", "one-too-many"));

    assertThat(alice.awaitError("room_limit").get("cid").getAsString()).isEqualTo("one-too-many");
  }

  @Test
  void framesOverTheRateAreRefusedOneByOne() {
    start(TestServers.memory().rateLimit(1));
    RecordingWebSocket alice = joined("/");

    for (int i = 0; i < 6; i++) {
      alice.send(request("ping", "cid", "p" + i));
    }

    int pongs = 0;
    int refused = 0;
    for (int i = 0; i < 6; i++) {
      JsonObject reply = alice.awaitJsonOfAny("pong", "error");
      if (reply.get("type").getAsString().equals("pong")) {
        pongs++;
      } else {
        assertThat(reply.get("code").getAsString()).isEqualTo("rate_limited");
        assertThat(reply.get("cid").getAsString()).startsWith("p");
        refused++;
      }
    }
    assertThat(pongs).isBetween(2, 3);
    assertThat(refused).isEqualTo(6 - pongs);
  }

  @Test
  void binaryFramesAreRelayedUnchangedToTheOtherMembers() {
    start(TestServers.memory());
    RecordingWebSocket alice = joined("/?nick=alice");
    RecordingWebSocket bob = joined("/?nick=bob");
    alice.awaitJson("system");
    ByteString payload = ByteString.of(new byte[] {0, 1, 2, (byte) 0xff, 0x7f});

    alice.send(payload);

    assertThat(bob.awaitBinary()).isEqualTo(payload);
    alice.assertNoMessage(Duration.ofMillis(300));
  }

  @Test
  void theTokenComesFromTheQueryOrTheAuthorizationHeader() {
    Authenticator byToken = token -> Optional.ofNullable(token).map(t -> new Identity("user-" + t, "n-" + t));
    start(TestServers.memory().authenticator(byToken));

    RecordingWebSocket fromQuery = connect("/?token=q1");
    assertThat(fromQuery.awaitJson("welcome").get("nick").getAsString()).isEqualTo("n-q1");
    RecordingWebSocket fromHeader = connect("/", Map.of("Authorization", "Bearer h2"));
    assertThat(fromHeader.awaitJson("welcome").get("nick").getAsString()).isEqualTo("n-h2");
  }
}
