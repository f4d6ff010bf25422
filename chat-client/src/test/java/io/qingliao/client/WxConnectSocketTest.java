package io.qingliao.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.qingliao.client.testing.ServerPeer;
import io.qingliao.client.testing.TaskRecorder;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
class WxConnectSocketTest {
  private static final Duration QUIET = Duration.ofMillis(200);

  private final MockWebServer server = new MockWebServer();
  private Wx wx;

  @BeforeEach
  void setUp() throws Exception {
    server.start();
    wx = Wx.create();
  }

  @AfterEach
  void tearDown() {
    wx.close();
    server.close();
  }

  private ConnectSocketOptions.Builder connect(TaskRecorder rec) {
    return ConnectSocketOptions.builder()
        .url(ServerPeer.wsUrl(server))
        .success(rec.success()).fail(rec.fail()).complete(rec.complete());
  }

  @Test
  void connectReportsOkBeforeOpenAndOpenCarriesHandshakeHeaders() {
    server.enqueue(new MockResponse.Builder()
        .webSocketUpgrade(new ServerPeer())
        .addHeader("X-Server", "qingliao")
        .build());
    TaskRecorder rec = new TaskRecorder();
    SocketTask task = wx.connectSocket(connect(rec).build());
    rec.listen(task);

    assertThat(task.readyState()).isEqualTo(SocketTask.CONNECTING);
    rec.assertSuccess("connectSocket:ok");
    OpenResult open = rec.assertOpen();
    assertThat(open.header()).containsEntry("x-server", "qingliao");
    assertThat(open.header().get("Upgrade")).isEqualToIgnoringCase("websocket");
    assertThat(task.readyState()).isEqualTo(SocketTask.OPEN);
    rec.assertExhausted(QUIET);
  }

  @Test
  void handshakeCarriesHeadersAndProtocolsButNeverReferer() throws Exception {
    ServerPeer.enqueue(server);
    TaskRecorder rec = new TaskRecorder();
    SocketTask task = wx.connectSocket(connect(rec)
        .header("X-Token", "abc")
        .header("Referer", "https://evil.example/")
        .protocols("chat", "json")
        .build());
    rec.listen(task);
    rec.assertSuccess("connectSocket:ok");
    rec.assertOpen();

    RecordedRequest request = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(request.getHeaders().get("X-Token")).isEqualTo("abc");
    assertThat(request.getHeaders().get("Referer")).isNull();
    assertThat(request.getHeaders().values("Sec-WebSocket-Protocol")).containsExactly("chat, json");
  }

  @Test
  void deflateIsOfferedOnlyWhenAsked() throws Exception {
    ServerPeer.enqueue(server);
    ServerPeer.enqueue(server);
    TaskRecorder plain = TaskRecorder.attach(
        wx.connectSocket(ConnectSocketOptions.of(ServerPeer.wsUrl(server))));
    plain.assertOpen();
    TaskRecorder deflate = TaskRecorder.attach(wx.connectSocket(ConnectSocketOptions.builder()
        .url(ServerPeer.wsUrl(server)).perMessageDeflate(true).build()));
    deflate.assertOpen();

    assertThat(server.takeRequest(5, TimeUnit.SECONDS).getHeaders()
        .get("Sec-WebSocket-Extensions")).isNull();
    assertThat(server.takeRequest(5, TimeUnit.SECONDS).getHeaders()
        .get("Sec-WebSocket-Extensions")).contains("permessage-deflate");
  }

  @Test
  void tcpNoDelaySocketsConnectAndCarryFrames() {
    ServerPeer peer = ServerPeer.enqueue(server);
    SocketTask task = wx.connectSocket(ConnectSocketOptions.builder()
        .url(ServerPeer.wsUrl(server)).tcpNoDelay(true).build());
    TaskRecorder rec = TaskRecorder.attach(task);
    rec.assertOpen();
    task.send("small and urgent");
    peer.assertOpen();
    peer.assertText("small and urgent");
  }

  @Test
  void schemeIsCaseInsensitive() {
    ServerPeer.enqueue(server);
    TaskRecorder rec = TaskRecorder.attach(wx.connectSocket(
        ConnectSocketOptions.of("WS" + ServerPeer.wsUrl(server).substring(2))));
    rec.assertOpen();
  }

  @Test
  void missingUrlFails() {
    TaskRecorder rec = new TaskRecorder();
    SocketTask task = wx.connectSocket(ConnectSocketOptions.builder()
        .success(rec.success()).fail(rec.fail()).complete(rec.complete()).build());
    rec.listen(task);

    rec.assertFail("connectSocket:fail url is null");
    assertThat(task.readyState()).isEqualTo(SocketTask.CLOSED);
    rec.assertExhausted(QUIET);
  }

  @Test
  void urlThatIsNotWsOrWssFails() {
    for (String url : List.of("http://localhost/", "ftp://x/", "ws://", "localhost:8000")) {
      TaskRecorder rec = new TaskRecorder();
      SocketTask task = wx.connectSocket(ConnectSocketOptions.builder().url(url)
          .success(rec.success()).fail(rec.fail()).complete(rec.complete()).build());
      rec.listen(task);
      rec.assertFail("connectSocket:fail url not well format");
      rec.assertExhausted(Duration.ofMillis(50));
    }
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void invalidHeaderIsAProgrammerMistake() {
    assertThatThrownBy(() -> ConnectSocketOptions.builder().header("Bad Name", "x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ConnectSocketOptions.builder().header("X", "line\nbreak"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void handshakeRefusedWith403GivesErrorThenClose1006() {
    server.enqueue(new MockResponse.Builder().code(403).body("forbidden").build());
    TaskRecorder rec = new TaskRecorder();
    SocketTask task = wx.connectSocket(connect(rec).build());
    rec.listen(task);

    rec.assertSuccess("connectSocket:ok");
    assertThat(rec.assertError().errMsg()).startsWith("exception ").contains("403");
    rec.assertClose(1006, "abnormal closure");
    assertThat(task.readyState()).isEqualTo(SocketTask.CLOSED);
    rec.assertExhausted(QUIET);
  }

  @Test
  void connectionRefusedGivesErrorThenClose() throws Exception {
    int port;
    try (ServerSocket closed = new ServerSocket(0)) {
      port = closed.getLocalPort();
    }
    TaskRecorder rec = new TaskRecorder();
    SocketTask task = wx.connectSocket(ConnectSocketOptions.builder()
        .url("ws://127.0.0.1:" + port + "/")
        .success(rec.success()).fail(rec.fail()).complete(rec.complete()).build());
    rec.listen(task);

    rec.assertSuccess("connectSocket:ok");
    assertThat(rec.assertError().errMsg()).startsWith("exception ");
    rec.assertClose(1006, "abnormal closure");
    rec.assertExhausted(QUIET);
  }

  @Test
  void unknownHostGivesErrorThenClose() {
    // Without a resolver the lookup may hang instead of failing: the timeout bounds it.
    TaskRecorder rec = TaskRecorder.attach(wx.connectSocket(ConnectSocketOptions.builder()
        .url("wss://no-such-host.invalid/ws").timeout(3000).build()));
    assertThat(rec.assertError().errMsg()).isNotBlank();
    rec.assertClose(1006, "abnormal closure");
  }

  @Test
  void handshakeTimeoutGivesTimeOutErrorThenClose() throws Exception {
    try (ServerSocket silent = new ServerSocket(0)) { // accepts TCP, never answers
      TaskRecorder rec = new TaskRecorder();
      long start = System.nanoTime();
      SocketTask task = wx.connectSocket(ConnectSocketOptions.builder()
          .url("ws://127.0.0.1:" + silent.getLocalPort() + "/")
          .timeout(300)
          .success(rec.success()).fail(rec.fail()).complete(rec.complete()).build());
      rec.listen(task);

      rec.assertSuccess("connectSocket:ok");
      rec.assertError("connect response time out");
      rec.assertClose(1006, "abnormal closure");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(
          Duration.ofMillis(300));
      rec.assertExhausted(QUIET);
    }
  }

  @Test
  void defaultTimeoutComesFromTheWxBuilder() throws Exception {
    wx.close();
    wx = Wx.builder().connectTimeout(Duration.ofMillis(200)).build();
    try (ServerSocket silent = new ServerSocket(0)) {
      TaskRecorder rec = TaskRecorder.attach(wx.connectSocket(
          ConnectSocketOptions.of("ws://127.0.0.1:" + silent.getLocalPort() + "/")));
      rec.assertError("connect response time out");
      rec.assertClose(1006, "abnormal closure");
    }
  }

  @Test
  void sixthLiveSocketFailsWithMaxConnected() {
    List<TaskRecorder> open = new ArrayList<>();
    List<SocketTask> tasks = new ArrayList<>();
    for (int i = 0; i < Wx.MAX_SOCKETS; i++) {
      ServerPeer.enqueue(server);
      SocketTask task = wx.connectSocket(ConnectSocketOptions.of(ServerPeer.wsUrl(server)));
      tasks.add(task);
      open.add(TaskRecorder.attach(task));
    }
    open.forEach(TaskRecorder::assertOpen);

    TaskRecorder sixth = new TaskRecorder();
    SocketTask rejected = wx.connectSocket(connect(sixth).build());
    sixth.listen(rejected);
    sixth.assertFail("connectSocket:fail max connected");
    assertThat(rejected.readyState()).isEqualTo(SocketTask.CLOSED);
    sixth.assertExhausted(QUIET);

    // A closed socket no longer counts.
    tasks.get(0).close();
    open.get(0).assertClose(1000, "");
    ServerPeer.enqueue(server);
    TaskRecorder again = new TaskRecorder();
    again.listen(wx.connectSocket(connect(again).build()));
    again.assertSuccess("connectSocket:ok");
    again.assertOpen();
  }

  @Test
  void connectingSocketsCountTowardTheLimit() throws Exception {
    try (ServerSocket silent = new ServerSocket(0)) {
      String url = "ws://127.0.0.1:" + silent.getLocalPort() + "/";
      for (int i = 0; i < Wx.MAX_SOCKETS; i++) {
        wx.connectSocket(ConnectSocketOptions.of(url));
      }
      TaskRecorder sixth = new TaskRecorder();
      wx.connectSocket(ConnectSocketOptions.builder().url(url)
          .success(sixth.success()).fail(sixth.fail()).complete(sixth.complete()).build());
      sixth.assertFail("connectSocket:fail max connected");
    }
  }

  @Test
  void connectAfterWxCloseThrows() {
    wx.close();
    assertThatThrownBy(() -> wx.connectSocket(ConnectSocketOptions.of("ws://localhost/")))
        .isInstanceOf(IllegalStateException.class);
  }
}
