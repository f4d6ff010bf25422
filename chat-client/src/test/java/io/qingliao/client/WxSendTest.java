package io.qingliao.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.qingliao.client.testing.ServerPeer;
import io.qingliao.client.testing.TaskRecorder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockWebServer;
import okio.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
class WxSendTest {
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

  private SendSocketMessageOptions.Builder send(TaskRecorder rec) {
    return SendSocketMessageOptions.builder()
        .success(rec.success()).fail(rec.fail()).complete(rec.complete());
  }

  @Test
  void textAndBinaryReachTheServer() {
    ServerPeer peer = ServerPeer.enqueue(server);
    SocketTask task = wx.connectSocket(ConnectSocketOptions.of(ServerPeer.wsUrl(server)));
    TaskRecorder rec = TaskRecorder.attach(task);
    rec.assertOpen();
    peer.assertOpen();

    task.send(send(rec).data("你好").build());
    rec.assertSuccess("sendSocketMessage:ok");
    peer.assertText("你好");

    byte[] bytes = {0, 1, 2, (byte) 0xff};
    task.send(send(rec).data(bytes).build());
    rec.assertSuccess("sendSocketMessage:ok");
    peer.assertBinary(bytes);
  }

  @Test
  void sentBytesAreCopiedWhenTheOptionsAreBuilt() {
    ServerPeer peer = ServerPeer.enqueue(server);
    SocketTask task = wx.connectSocket(ConnectSocketOptions.of(ServerPeer.wsUrl(server)));
    TaskRecorder rec = TaskRecorder.attach(task);
    rec.assertOpen();
    byte[] bytes = {1, 2, 3};
    SendSocketMessageOptions options = SendSocketMessageOptions.of(bytes);
    bytes[0] = 9;
    task.send(options);
    peer.assertOpen();
    peer.assertBinary(new byte[] {1, 2, 3});
  }

  @Test
  void incomingTextIsAStringAndBinaryIsBytes() {
    ServerPeer peer = ServerPeer.enqueue(server);
    SocketTask task = wx.connectSocket(ConnectSocketOptions.of(ServerPeer.wsUrl(server)));
    TaskRecorder rec = TaskRecorder.attach(task);
    rec.assertOpen();

    peer.awaitOpen().send("{\"type\":\"pong\"}");
    peer.awaitOpen().send(ByteString.of((byte) 7, (byte) 8));
    MessageResult text = rec.assertMessage();
    assertThat(text.data()).isEqualTo("{\"type\":\"pong\"}");
    assertThat(text.isBinary()).isFalse();
    MessageResult binary = rec.assertMessage();
    assertThat(binary.isBinary()).isTrue();
    assertThat(binary.bytes()).containsExactly(7, 8);
    assertThat(binary).isEqualTo(new MessageResult(new byte[] {7, 8}));
  }

  @Test
  void sendBeforeOpenFailsAsConnecting() {
    ServerPeer peer = new ServerPeer();
    server.enqueue(new mockwebserver3.MockResponse.Builder()
        .headersDelay(500, TimeUnit.MILLISECONDS)
        .webSocketUpgrade(peer).build());
    TaskRecorder rec = new TaskRecorder();
    SocketTask task = wx.connectSocket(ConnectSocketOptions.builder()
        .url(ServerPeer.wsUrl(server))
        .success(rec.success()).complete(rec.complete()).build());
    rec.listen(task);
    task.send(send(rec).data("too early").build());

    rec.assertSuccess("connectSocket:ok");
    rec.assertFail("sendSocketMessage:fail don't send before socket connected");
    rec.assertOpen();
    peer.assertOpen();
    peer.assertExhausted(QUIET);
  }

  @Test
  void sendAfterCloseFailsAsTaskGone() {
    ServerPeer.enqueue(server);
    SocketTask task = wx.connectSocket(ConnectSocketOptions.of(ServerPeer.wsUrl(server)));
    TaskRecorder rec = TaskRecorder.attach(task);
    rec.assertOpen();

    task.close();
    task.send(send(rec).data("while closing").build());
    rec.assertFail("sendSocketMessage:fail taskID not exist");
    rec.assertClose(1000, "");
    task.send(send(rec).data("after close").build());
    rec.assertFail("sendSocketMessage:fail taskID not exist");
  }

  @Test
  void sendOnARejectedTaskFailsAsTaskGone() {
    SocketTask task = wx.connectSocket(ConnectSocketOptions.of("not a url"));
    TaskRecorder rec = new TaskRecorder();
    task.send(send(rec).data("x").build());
    rec.assertFail("sendSocketMessage:fail taskID not exist");
  }

  @Test
  void sendWithoutDataFails() {
    ServerPeer.enqueue(server);
    SocketTask task = wx.connectSocket(ConnectSocketOptions.of(ServerPeer.wsUrl(server)));
    TaskRecorder rec = TaskRecorder.attach(task);
    rec.assertOpen();
    task.send(send(rec).build());
    rec.assertFail(
        "sendSocketMessage:fail parameter error: parameter.data should be String or ArrayBuffer");
  }
}
