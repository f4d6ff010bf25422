package io.qingliao.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.qingliao.client.testing.ServerPeer;
import io.qingliao.client.testing.TaskRecorder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
class WxLegacyApiTest {
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

  private void listenGlobally(TaskRecorder rec) {
    wx.onSocketOpen(rec.recorder("open"));
    wx.onSocketMessage(rec.recorder("message"));
    wx.onSocketError(rec.recorder("error"));
    wx.onSocketClose(rec.recorder("close"));
  }

  @Test
  void sendAndCloseWithoutAnySocketFailAsNotConnected() {
    TaskRecorder rec = new TaskRecorder();
    wx.sendSocketMessage(SendSocketMessageOptions.builder().data("x")
        .success(rec.success()).fail(rec.fail()).complete(rec.complete()).build());
    rec.assertFail("sendSocketMessage:fail WebSocket is not connected");
    wx.closeSocket(CloseSocketOptions.builder()
        .success(rec.success()).fail(rec.fail()).complete(rec.complete()).build());
    rec.assertFail("closeSocket:fail WebSocket is not connected");
  }

  @Test
  void globalApiDrivesTheMostRecentSocket() {
    ServerPeer peer = ServerPeer.enqueue(server);
    TaskRecorder global = new TaskRecorder();
    listenGlobally(global);
    SocketTask task = wx.connectSocket(ConnectSocketOptions.of(ServerPeer.wsUrl(server)));
    TaskRecorder own = TaskRecorder.attach(task);

    global.assertOpen();
    own.assertOpen();
    wx.sendSocketMessage(SendSocketMessageOptions.builder().data("via wx")
        .success(global.success()).complete(global.complete()).build());
    global.assertSuccess("sendSocketMessage:ok");
    peer.assertOpen();
    peer.assertText("via wx");

    peer.awaitOpen().send("back");
    global.assertText("back");
    own.assertText("back");

    wx.closeSocket(CloseSocketOptions.builder().code(3333).reason("legacy")
        .success(global.success()).complete(global.complete()).build());
    global.assertSuccess("closeSocket:ok");
    global.assertClose(3333, "legacy");
    own.assertClose(3333, "legacy");
  }

  @Test
  void lastRegistrationWins() {
    ServerPeer peer = ServerPeer.enqueue(server);
    TaskRecorder rec = new TaskRecorder();
    wx.onSocketMessage(rec.recorder("replaced"));
    wx.onSocketMessage(rec.recorder("winner"));
    wx.onSocketOpen(rec.recorder("open"));
    wx.connectSocket(ConnectSocketOptions.of(ServerPeer.wsUrl(server)));
    rec.assertOpen();
    peer.awaitOpen().send("m");
    assertThat(((MessageResult) rec.next("winner").value()).data()).isEqualTo("m");
    rec.assertExhausted(QUIET);
  }

  @Test
  void slotsFollowOnlyTheNewestSocket() {
    ServerPeer first = ServerPeer.enqueue(server);
    ServerPeer second = ServerPeer.enqueue(server);
    TaskRecorder global = new TaskRecorder();
    SocketTask older = wx.connectSocket(ConnectSocketOptions.of(ServerPeer.wsUrl(server)));
    TaskRecorder olderOwn = TaskRecorder.attach(older);
    olderOwn.assertOpen();
    first.awaitOpen();
    SocketTask newer = wx.connectSocket(ConnectSocketOptions.of(ServerPeer.wsUrl(server)));
    listenGlobally(global);
    TaskRecorder newerOwn = TaskRecorder.attach(newer);
    newerOwn.assertOpen();
    global.assertOpen();

    first.awaitOpen().send("to older");
    olderOwn.assertText("to older");
    second.awaitOpen().send("to newer");
    newerOwn.assertText("to newer");
    global.assertText("to newer");
    global.assertExhausted(QUIET);
  }

  @Test
  void sendAndCloseBeforeOpenFailAsNotConnectedAndDoNotClose() {
    ServerPeer peer = new ServerPeer();
    server.enqueue(new MockResponse.Builder().headersDelay(300, TimeUnit.MILLISECONDS)
        .webSocketUpgrade(peer).build());
    TaskRecorder rec = new TaskRecorder();
    SocketTask task = wx.connectSocket(ConnectSocketOptions.of(ServerPeer.wsUrl(server)));
    wx.sendSocketMessage(SendSocketMessageOptions.builder().data("early")
        .fail(rec.fail()).complete(rec.complete()).build());
    wx.closeSocket(CloseSocketOptions.builder().fail(rec.fail()).complete(rec.complete()).build());
    rec.assertFail("sendSocketMessage:fail WebSocket is not connected");
    rec.assertFail("closeSocket:fail WebSocket is not connected");
    rec.listen(task);
    rec.assertOpen();
    assertThat(task.readyState()).isEqualTo(SocketTask.OPEN);
    peer.assertOpen();
    peer.assertExhausted(QUIET);
  }

  @Test
  void globalErrorSlotSeesTheFailure() {
    server.enqueue(new MockResponse.Builder().code(500).build());
    TaskRecorder global = new TaskRecorder();
    listenGlobally(global);
    wx.connectSocket(ConnectSocketOptions.of(ServerPeer.wsUrl(server)));
    assertThat(global.assertError().errMsg()).contains("500");
    global.assertClose(1006, "abnormal closure");
  }
}
