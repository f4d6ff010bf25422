package io.qingliao.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.qingliao.core.ErrorCode;
import io.qingliao.core.RoomName;
import io.qingliao.core.ServerEvent;
import io.qingliao.core.ServerEvent.Ack;
import io.qingliao.core.ServerEvent.ChatEvent;
import io.qingliao.core.ServerEvent.Joined;
import io.qingliao.server.ChatServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every request type of {@link ChatClient} against a real {@link ChatServer}. */
@Timeout(30)
class ChatClientRequestsTest {
  private static final Duration WAIT = Duration.ofSeconds(5);

  private ChatServer server;
  private final List<ChatClient> clients = new ArrayList<>();

  @BeforeEach
  void startServer() {
    server = ChatServer.builder().host("127.0.0.1").wsPort(0).httpPort(-1).memoryStore().build().start();
  }

  @AfterEach
  void stopServer() {
    clients.forEach(ChatClient::close);
    server.close();
  }

  private ChatClient connect(String nick, String room) throws Exception {
    ChatClient client = ChatClient.builder()
        .url("ws://127.0.0.1:" + server.wsPort())
        .nick(nick)
        .room(room)
        .connect();
    clients.add(client);
    client.await(Joined.class, e -> e.room().value().equals(room), WAIT);
    return client;
  }

  private static <T> T get(CompletableFuture<T> future) throws Exception {
    return future.get(5, TimeUnit.SECONDS);
  }

  private static ChatRejectedException rejection(CompletableFuture<?> future) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(5, TimeUnit.SECONDS));
    assertThat(e.getCause()).isInstanceOf(ChatRejectedException.class);
    return (ChatRejectedException) e.getCause();
  }

  @Test
  void sendCompletesWithTheAckAndTheSenderSeesItsOwnMessage() throws Exception {
    ChatClient alice = connect("alice", "lobby");

    Ack ack = get(alice.send("hi"));

    assertThat(ack.room()).isEqualTo(RoomName.LOBBY);
    assertThat(ack.seq()).isEqualTo(1);
    assertThat(ack.cid()).isNotBlank();
    ChatEvent echo = alice.await(ChatEvent.class, e -> e.message().text().equals("hi"), WAIT);
    assertThat(echo.message().seq()).isEqualTo(ack.seq());
    assertThat(echo.message().cid()).isEqualTo(ack.cid());
    assertThat(echo.message().from()).isEqualTo("alice");
    assertThat(alice.lastSeq("lobby")).isEqualTo(1);
  }

  @Test
  void sendOverTheTextLimitFailsWithTooLong() throws Exception {
    ChatClient alice = connect("alice", "lobby");

    ChatRejectedException e = rejection(alice.send("x".repeat(4097)));

    assertThat(e.code()).isEqualTo(ErrorCode.TOO_LONG);
    assertThat(e.requestType()).isEqualTo("chat");
    assertThat(alice.events().events(ServerEvent.ErrorEvent.class))
        .extracting(ServerEvent.ErrorEvent::code).containsExactly(ErrorCode.TOO_LONG);
  }

  @Test
  void sendToARoomNotJoinedFailsWithNotMember() throws Exception {
    ChatClient alice = connect("alice", "lobby");

    assertThat(rejection(alice.send("elsewhere", "hi")).code()).isEqualTo(ErrorCode.NOT_MEMBER);
  }

  @Test
  void joinMakesTheRoomCurrent() throws Exception {
    ChatClient alice = connect("alice", "lobby");

    Joined joined = get(alice.join("大厅"));
    Ack ack = get(alice.send("你好"));

    assertThat(joined.room().value()).isEqualTo("大厅");
    assertThat(joined.members()).containsExactly("alice");
    assertThat(alice.rooms()).containsExactly(RoomName.LOBBY, new RoomName("大厅"));
    assertThat(ack.room().value()).isEqualTo("大厅");
  }

  @Test
  void joinWithSinceDeliversWhatCameAfterAsChatEvents() throws Exception {
    ChatClient bob = connect("bob", "news");
    for (int i = 1; i <= 3; i++) {
      get(bob.send("n" + i));
    }
    ChatClient alice = connect("alice", "lobby");

    Joined joined = get(alice.join("news", 1));
    alice.await(ChatEvent.class, e -> e.message().seq() == 3, WAIT);

    assertThat(joined.history()).extracting(m -> m.seq()).containsExactly(2L, 3L);
    assertThat(alice.events().events(ChatEvent.class)).extracting(e -> e.message().text())
        .containsExactly("n2", "n3");
    assertThat(alice.lastSeq("news")).isEqualTo(3);
  }

  @Test
  void joinWithoutSinceKeepsHistoryAsBacklog() throws Exception {
    ChatClient bob = connect("bob", "news");
    get(bob.send("old"));
    ChatClient alice = connect("alice", "lobby");

    Joined joined = get(alice.join("news"));
    get(alice.ping()); // anything replayed would have been delivered before this reply

    assertThat(joined.history()).extracting(m -> m.text()).containsExactly("old");
    assertThat(alice.events().events(ChatEvent.class)).isEmpty();
    assertThat(alice.lastSeq("news")).isEqualTo(1);
  }

  @Test
  void leaveRemovesTheRoom() throws Exception {
    ChatClient alice = connect("alice", "lobby");
    get(alice.join("side"));

    ServerEvent.Left left = get(alice.leave("side"));

    assertThat(left.room().value()).isEqualTo("side");
    assertThat(alice.rooms()).containsExactly(RoomName.LOBBY);
    assertThat(rejection(alice.send("side", "hi")).code()).isEqualTo(ErrorCode.NOT_MEMBER);
  }

  @Test
  void historyReturnsThePageBeforeASeq() throws Exception {
    ChatClient alice = connect("alice", "lobby");
    for (int i = 1; i <= 5; i++) {
      get(alice.send("m" + i));
    }

    ServerEvent.HistoryPage page = get(alice.history("lobby", 4, 2));
    ServerEvent.HistoryPage newest = get(alice.history("lobby", Long.MAX_VALUE, 100));

    assertThat(page.messages()).extracting(m -> m.text()).containsExactly("m2", "m3");
    assertThat(newest.messages()).extracting(m -> m.seq()).containsExactly(1L, 2L, 3L, 4L, 5L);
  }

  @Test
  void membersListsTheLiveNicks() throws Exception {
    ChatClient alice = connect("alice", "lobby");
    connect("bob", "lobby");

    ServerEvent.MembersList members = get(alice.members("lobby"));

    assertThat(members.members()).containsExactly("alice", "bob");
  }

  @Test
  void nickChangesTheNickAndTellsTheRoom() throws Exception {
    ChatClient alice = connect("alice", "lobby");
    ChatClient bob = connect("bob", "lobby");

    ServerEvent.NickChanged changed = get(alice.nick("alicia"));

    assertThat(changed.nick()).isEqualTo("alicia");
    assertThat(alice.nick()).isEqualTo("alicia");
    ServerEvent.SystemEvent notice = bob.await(ServerEvent.SystemEvent.class,
        e -> e.event() == ServerEvent.SystemKind.NICK, WAIT);
    assertThat(notice.nick()).isEqualTo("alicia");
    assertThat(notice.old()).isEqualTo("alice");
    assertThat(rejection(bob.nick("alicia")).code()).isEqualTo(ErrorCode.NICK_TAKEN);
  }

  @Test
  void dmReachesTheTargetAndFailsForNobody() throws Exception {
    ChatClient alice = connect("alice", "lobby");
    ChatClient bob = connect("bob", "elsewhere");

    Ack ack = get(alice.dm("bob", "psst"));

    assertThat(ack.room()).isNull();
    ServerEvent.DirectMessage dm = bob.await(ServerEvent.DirectMessage.class, e -> true, WAIT);
    assertThat(dm.from()).isEqualTo("alice");
    assertThat(dm.to()).isEqualTo("bob");
    assertThat(dm.text()).isEqualTo("psst");
    assertThat(rejection(alice.dm("nobody", "hello?")).code()).isEqualTo(ErrorCode.NO_SUCH_USER);
  }

  @Test
  void pingCompletesWithThePong() throws Exception {
    ChatClient alice = connect("alice", "lobby");

    ServerEvent.Pong pong = get(alice.ping());

    assertThat(pong.cid()).isNotBlank();
  }

  @Test
  void binaryFramesOfOtherMembersReachTheListener() throws Exception {
    List<byte[]> received = new java.util.concurrent.CopyOnWriteArrayList<>();
    ChatClient alice = ChatClient.builder().url("ws://127.0.0.1:" + server.wsPort()).nick("alice")
        .listener(new ChatListener() {
          @Override
          public void onBinary(ChatClient client, byte[] data) {
            received.add(data);
          }
        }).connect();
    clients.add(alice);
    alice.await(Joined.class, WAIT);
    okhttp3.OkHttpClient http = new okhttp3.OkHttpClient();
    okhttp3.WebSocket raw = http.newWebSocket(new okhttp3.Request.Builder()
        .url("http://127.0.0.1:" + server.wsPort() + "/?nick=raw").build(), new okhttp3.WebSocketListener() {});
    try {
      alice.await(ServerEvent.SystemEvent.class, e -> e.nick().equals("raw"), WAIT);

      raw.send(okio.ByteString.of((byte) 1, (byte) 2, (byte) 3));

      long deadline = System.nanoTime() + WAIT.toNanos();
      while (received.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(received).hasSize(1);
      assertThat(received.get(0)).containsExactly(1, 2, 3);
    } finally {
      raw.close(1000, null);
      http.dispatcher().executorService().shutdown();
    }
  }

  @Test
  void requestsMadeBeforeTheWelcomeAreQueuedThenSent() throws Exception {
    ChatClient early = ChatClient.builder().url("ws://127.0.0.1:" + server.wsPort()).nick("early").connect();
    clients.add(early);

    CompletableFuture<Ack> first = early.send("first");
    CompletableFuture<Ack> second = early.send("second");

    assertThat(get(first).seq()).isEqualTo(1);
    assertThat(get(second).seq()).isEqualTo(2);
  }

  @Test
  void programmerMistakesThrowAtOnce() throws Exception {
    ChatClient alice = connect("alice", "lobby");

    assertThrows(IllegalArgumentException.class, () -> alice.join("no spaces"));
    assertThrows(IllegalArgumentException.class, () -> alice.history("lobby", 10, 101));
    assertThrows(IllegalArgumentException.class, () -> alice.nick(""));
    assertThrows(IllegalArgumentException.class, () -> ChatClient.builder().url("ftp://example.com"));
    assertThrows(IllegalStateException.class, () -> ChatClient.builder().nick("x").connect());
    assertThatThrownBy(() -> ChatClient.builder().reconnectBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
