package io.qingliao.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.qingliao.client.testing.RealServerPhone;
import io.qingliao.client.testing.RealServerSessions;
import io.qingliao.client.testing.TaskRecorder;
import io.qingliao.client.testing.ThreadLeaks;
import io.qingliao.core.ChatMessage;
import io.qingliao.core.RoomName;
import io.qingliao.core.ServerEvent;
import io.qingliao.core.ServerEvent.Ack;
import io.qingliao.core.ServerEvent.ChatEvent;
import io.qingliao.core.ServerEvent.Joined;
import io.qingliao.core.ServerEvent.SystemEvent;
import io.qingliao.core.ServerEvent.SystemKind;
import io.qingliao.core.ServerEvent.Welcome;
import io.qingliao.server.ChatServer;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Layer 1 against the real server: each "phone" is a {@link Wx} runtime whose page talks to a
 * real {@link ChatServer} (in-memory store, random port) exactly as the original mini-program
 * page does, through {@code wx.connectSocket} and its {@code SocketTask}, or the legacy global
 * API. Covers the legacy plain-text page, the JSON protocol, the app going to the background
 * and resuming with {@code since}, and a phone losing its network.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class WxRealServerTest {
  private static final Duration QUIET = Duration.ofMillis(300);
  private static final Duration BACKGROUND_DELAY = Duration.ofMillis(200);
  private static final RoomName LOBBY = RoomName.LOBBY;

  private final List<Wx> runtimes = new ArrayList<>();
  private final RealServerSessions sessions = new RealServerSessions();
  private ThreadLeaks leaks;
  private ChatServer server;
  private String url;

  @BeforeEach
  @Timeout(value = 15, unit = TimeUnit.SECONDS)
  void startServer() {
    leaks = ThreadLeaks.snapshot();
    server = ChatServer.builder().host("127.0.0.1").wsPort(0).httpPort(-1).memoryStore()
        .listener(sessions).build().start();
    url = "ws://127.0.0.1:" + server.wsPort();
  }

  @AfterEach
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void closeEverything() throws InterruptedException {
    try {
      runtimes.forEach(Wx::close);
    } finally {
      if (server != null) {
        server.close();
      }
    }
    leaks.assertNoneLeft(Duration.ofSeconds(10));
  }

  /** A new phone: its own mini-program runtime, closed after the test. */
  private RealServerPhone phone(Wx.Builder settings) {
    Wx wx = settings.build();
    runtimes.add(wx);
    return new RealServerPhone(wx);
  }

  private RealServerPhone phone() {
    return phone(Wx.builder());
  }

  /**
   * The sender's next two events: the room's copy of its chat and the ack, in either order (the
   * protocol does not order them); returns the message after checking that the ack matches it.
   */
  private static ChatMessage chatAndAck(RealServerPhone sender) {
    List<ServerEvent> two = List.of(sender.nextEvent(), sender.nextEvent());
    ChatMessage m = two.stream().filter(ChatEvent.class::isInstance).map(e -> ((ChatEvent) e).message())
        .findFirst().orElseThrow(() -> new AssertionError("no chat among " + two));
    assertThat(two).contains(new Ack(m.cid(), m.id(), m.room(), m.seq(), m.ts()));
    return m;
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  // (1) The original page, unchanged: format=text, plain text out, `from: text` in. -------------

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void originalPageSendsPlainTextAndTheOtherPhoneShowsGuestNickColonText() {
    RealServerPhone first = phone();
    RealServerPhone second = phone();
    first.connect(url + "?format=text");     // guest-1; a text session gets no welcome or joined
    second.connect(url + "?format=text");    // guest-2
    first.expectText("guest-2 joined");

    TaskRecorder calls = new TaskRecorder(); // the call's own callbacks, apart from the socket's events
    second.task().send(SendSocketMessageOptions.builder().data("你好，轻聊")
        .success(calls.success()).fail(calls.fail()).complete(calls.complete()).build());
    RealServerPhone.expectSuccess(calls, "sendSocketMessage:ok");
    first.expectText("guest-2: 你好，轻聊");
    second.expectText("guest-2: 你好，轻聊"); // the room's copy reaches the sender too

    first.task().send("hi from phone one");
    second.expectText("guest-1: hi from phone one");
    first.expectText("guest-1: hi from phone one");

    first.recorder().assertExhausted(QUIET);   // no JSON (welcome, joined, ack) in text mode
    second.recorder().assertExhausted(Duration.ZERO);
    calls.assertExhausted(Duration.ZERO);
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void originalPageWithANickShowsNickColonText() {
    RealServerPhone reader = phone();
    RealServerPhone writer = phone();
    reader.connect(url + "?format=text");
    writer.connect(url + "?format=text&nick=" + encode("小明"));
    reader.expectText("小明 joined");

    writer.task().send("早上好");
    reader.expectText("小明: 早上好");
    writer.expectText("小明: 早上好");

    writer.task().close();
    assertThat(writer.expectClose()).isEqualTo(new CloseResult(1000, ""));
    assertThat(sessions.nextClosed().nick()).isEqualTo("小明");   // the server saw the close
    reader.expectText("小明 left");
    reader.recorder().assertExhausted(QUIET);
  }

  // (2) JSON: the default format. -----------------------------------------------------------------

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void jsonPageGetsHandshakeHeadersWelcomeJoinedAndTheChatReachesBothPhonesWithAnAck() {
    RealServerPhone first = phone();
    RealServerPhone second = phone();

    OpenResult open = first.connect(url);    // no query at all, as the original page's url
    assertThat(open.header().get("upgrade")).isEqualToIgnoringCase("websocket");
    assertThat(open.header()).containsKey("Sec-WebSocket-Accept");
    Welcome welcome = first.next(Welcome.class);
    assertThat(welcome.nick()).isEqualTo("guest-1");
    assertThat(welcome.heartbeat()).isPositive();
    Joined joined = first.next(Joined.class);
    assertThat(joined.room()).isEqualTo(LOBBY);
    assertThat(joined.members()).containsExactly("guest-1");
    assertThat(joined.seq()).isZero();
    assertThat(joined.history()).isEmpty();

    second.connect(url);
    assertThat(second.next(Welcome.class).nick()).isEqualTo("guest-2");
    assertThat(second.next(Joined.class).members()).containsExactlyInAnyOrder("guest-1", "guest-2");
    SystemEvent join = first.next(SystemEvent.class);
    assertThat(join.event()).isEqualTo(SystemKind.JOIN);
    assertThat(join.nick()).isEqualTo("guest-2");
    assertThat(join.text()).isEqualTo("guest-2 joined");
    assertThat(join.members()).isEqualTo(2);

    second.task().send("{\"type\":\"chat\",\"text\":\"你好\",\"cid\":\"c-1\"}");

    ChatMessage received = first.next(ChatEvent.class).message();
    assertThat(received.from()).isEqualTo("guest-2");
    assertThat(received.text()).isEqualTo("你好");
    assertThat(received.room()).isEqualTo(LOBBY);
    assertThat(received.seq()).isEqualTo(1);
    assertThat(received.cid()).isEqualTo("c-1");

    // The sender gets the room's copy and the ack; the protocol does not order the two.
    List<ServerEvent> senderSaw = List.of(second.nextEvent(), second.nextEvent());
    assertThat(senderSaw).containsExactlyInAnyOrder(new ChatEvent(received),
        new Ack("c-1", received.id(), LOBBY, 1, received.ts()));

    first.recorder().assertExhausted(QUIET);
    second.recorder().assertExhausted(Duration.ZERO);
  }

  // (3) The legacy global API. ---------------------------------------------------------------------

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void legacyGlobalApiTalksToTheRealServer() {
    RealServerPhone legacy = phone();
    Wx wx = legacy.wx();
    TaskRecorder global = new TaskRecorder();
    wx.onSocketOpen(global.recorder("open"));
    wx.onSocketMessage(global.recorder("message"));
    wx.onSocketError(global.recorder("error"));
    wx.onSocketClose(global.recorder("close"));
    wx.connectSocket(ConnectSocketOptions.builder().url(url + "?format=text")
        .success(global.success()).complete(global.complete()).build());
    RealServerPhone.expectSuccess(global, "connectSocket:ok");
    RealServerPhone.expectOpen(global);                                 // guest-1

    RealServerPhone other = phone();
    other.connect(url + "?format=text");                 // guest-2
    RealServerPhone.expectText(global, "guest-2 joined");

    TaskRecorder calls = new TaskRecorder();
    wx.sendSocketMessage(SendSocketMessageOptions.builder().data("sent with wx.sendSocketMessage")
        .success(calls.success()).fail(calls.fail()).complete(calls.complete()).build());
    RealServerPhone.expectSuccess(calls, "sendSocketMessage:ok");
    other.expectText("guest-1: sent with wx.sendSocketMessage");
    RealServerPhone.expectText(global, "guest-1: sent with wx.sendSocketMessage");

    other.task().send("read by wx.onSocketMessage");
    RealServerPhone.expectText(global, "guest-2: read by wx.onSocketMessage");
    other.expectText("guest-2: read by wx.onSocketMessage");

    wx.closeSocket(CloseSocketOptions.builder()
        .success(calls.success()).fail(calls.fail()).complete(calls.complete()).build());
    RealServerPhone.expectSuccess(calls, "closeSocket:ok");
    assertThat(RealServerPhone.expectClose(global).code()).isEqualTo(1000);
    assertThat(sessions.nextClosed().nick()).isEqualTo("guest-1");
    other.expectText("guest-1 left");
    global.assertExhausted(QUIET);
    calls.assertExhausted(Duration.ZERO);
    other.recorder().assertExhausted(Duration.ZERO);
  }

  // (4) The app goes to the background, comes back, and resumes with since. -------------------------

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void hiddenPhoneIsCutTheOtherSeesItLeaveAndAReconnectWithSinceGetsWhatItMissed() {
    RealServerPhone alice = phone(Wx.builder().backgroundDelay(BACKGROUND_DELAY));
    RealServerPhone bob = phone();
    alice.connect(url + "?nick=alice");
    alice.next(Welcome.class);
    alice.next(Joined.class);
    bob.connect(url + "?nick=bob");
    bob.next(Welcome.class);
    bob.next(Joined.class);
    assertThat(alice.next(SystemEvent.class).text()).isEqualTo("bob joined");

    bob.task().send("{\"type\":\"chat\",\"text\":\"one\",\"cid\":\"b-1\"}");
    long lastSeq = alice.next(ChatEvent.class).message().seq();
    assertThat(lastSeq).isEqualTo(1);
    assertThat(chatAndAck(bob).cid()).isEqualTo("b-1");

    long hiddenAt = System.nanoTime();
    alice.wx().hide();
    assertThat(alice.expectClose()).isEqualTo(new CloseResult(1000, "interrupted"));
    assertThat(Duration.ofNanos(System.nanoTime() - hiddenAt)).isGreaterThanOrEqualTo(BACKGROUND_DELAY);
    assertThat(alice.wx().suspended()).isTrue();
    assertThat(sessions.nextClosed().nick()).isEqualTo("alice");  // the server saw the cut
    SystemEvent leave = bob.next(SystemEvent.class);
    assertThat(leave.event()).isEqualTo(SystemKind.LEAVE);
    assertThat(leave.nick()).isEqualTo("alice");
    assertThat(leave.text()).isEqualTo("alice left");
    assertThat(leave.members()).isEqualTo(1);

    // While alice is away, bob keeps talking.
    for (String text : List.of("two", "three")) {
      bob.task().send(text);                             // plain text works in a JSON session too
      assertThat(chatAndAck(bob).text()).isEqualTo(text);
    }

    alice.wx().show();
    assertThat(alice.wx().suspended()).isFalse();
    alice.connect(url + "?nick=alice&since=" + lastSeq);
    assertThat(alice.next(Welcome.class).nick()).isEqualTo("alice"); // the server freed the nick
    Joined back = alice.next(Joined.class);
    assertThat(back.seq()).isEqualTo(3);
    assertThat(back.truncated()).isFalse();
    assertThat(back.members()).containsExactlyInAnyOrder("alice", "bob");
    assertThat(back.history()).extracting(ChatMessage::seq).containsExactly(2L, 3L);
    assertThat(back.history()).extracting(ChatMessage::text).containsExactly("two", "three");
    assertThat(back.history()).extracting(ChatMessage::from).containsOnly("bob");
    assertThat(bob.next(SystemEvent.class).text()).isEqualTo("alice joined");

    alice.recorder().assertExhausted(QUIET);
    bob.recorder().assertExhausted(Duration.ZERO);
  }

  // (5) Fault injection: the phone loses its network. -------------------------------------------------

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void droppedConnectionIsNoticedByTheServerAndTheDroppedPhoneGetsErrorThenClose1006() {
    RealServerPhone alice = phone();
    RealServerPhone bob = phone();
    alice.connect(url + "?nick=alice");
    alice.next(Welcome.class);
    alice.next(Joined.class);
    bob.connect(url + "?nick=bob");
    bob.next(Welcome.class);
    bob.next(Joined.class);
    alice.next(SystemEvent.class);

    alice.wx().faults(alice.task()).dropConnection();
    alice.expectError("abnormal closure");
    assertThat(alice.expectClose()).isEqualTo(new CloseResult(1006, "abnormal closure"));
    assertThat(alice.task().readyState()).isEqualTo(SocketTask.CLOSED);

    RealServerSessions.Closed closed = sessions.nextClosed();
    assertThat(closed.nick()).isEqualTo("alice");
    assertThat(closed.code()).isEqualTo(1006);           // no close frame: the TCP connection ended
    SystemEvent leave = bob.next(SystemEvent.class);
    assertThat(leave.event()).isEqualTo(SystemKind.LEAVE);
    assertThat(leave.nick()).isEqualTo("alice");
    assertThat(leave.text()).isEqualTo("alice left");

    bob.task().send("anyone there?");
    assertThat(chatAndAck(bob).text()).isEqualTo("anyone there?");
    alice.recorder().assertExhausted(QUIET);
    bob.recorder().assertExhausted(Duration.ZERO);
  }
}
