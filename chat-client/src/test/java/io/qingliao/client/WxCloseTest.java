package io.qingliao.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.qingliao.client.testing.ServerPeer;
import io.qingliao.client.testing.TaskRecorder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
class WxCloseTest {
  private static final Duration QUIET = Duration.ofMillis(200);
  private static final String BAD_CODE =
      "closeSocket:fail The code must be either 1000, or between 3000 and 4999";

  private final MockWebServer server = new MockWebServer();
  private Wx wx;
  private ServerPeer peer;
  private SocketTask task;
  private TaskRecorder rec;

  @BeforeEach
  void setUp() throws Exception {
    server.start();
    wx = Wx.create();
    peer = ServerPeer.enqueue(server);
    task = wx.connectSocket(ConnectSocketOptions.of(ServerPeer.wsUrl(server)));
    rec = TaskRecorder.attach(task);
    rec.assertOpen();
    peer.assertOpen();
  }

  @AfterEach
  void tearDown() {
    wx.close();
    server.close();
  }

  private CloseSocketOptions.Builder close() {
    return CloseSocketOptions.builder()
        .success(rec.success()).fail(rec.fail()).complete(rec.complete());
  }

  @Test
  void defaultCloseSends1000AndOkComesBeforeOnClose() {
    task.close(close().build());
    assertThat(task.readyState()).isEqualTo(SocketTask.CLOSING);
    rec.assertSuccess("closeSocket:ok");
    peer.assertClosing(1000, "");
    rec.assertClose(1000, "");
    assertThat(task.readyState()).isEqualTo(SocketTask.CLOSED);
    rec.assertExhausted(QUIET);
  }

  @Test
  void codeAndReasonReachTheServer() {
    task.close(close().code(4000).reason("bye 再见").build());
    rec.assertSuccess("closeSocket:ok");
    peer.assertClosing(4000, "bye 再见");
    rec.assertClose(4000, "bye 再见");
  }

  @Test
  void codesOtherThan1000Or3000To4999Fail() {
    for (int code : new int[] {0, 999, 1001, 1005, 1006, 2999, 5000, -1}) {
      task.close(close().code(code).build());
      rec.assertFail(BAD_CODE);
    }
    assertThat(task.readyState()).isEqualTo(SocketTask.OPEN);
    task.close(close().code(3000).build());
    rec.assertSuccess("closeSocket:ok");
    peer.assertClosing(3000, "");
  }

  @Test
  void highestValidCodeIsAccepted() {
    task.close(close().code(4999).build());
    rec.assertSuccess("closeSocket:ok");
    rec.assertClose(4999, "");
  }

  @Test
  void reasonIsLimitedTo123Utf8Bytes() {
    String tooLong = "中".repeat(42); // 126 bytes, 42 chars
    assertThat(tooLong.getBytes(StandardCharsets.UTF_8)).hasSize(126);
    task.close(close().reason(tooLong).build());
    rec.assertFail("closeSocket:fail The message must not be greater than 123 bytes");
    assertThat(task.readyState()).isEqualTo(SocketTask.OPEN);

    String longest = "中".repeat(41); // 123 bytes
    task.close(close().reason(longest).build());
    rec.assertSuccess("closeSocket:ok");
    peer.assertClosing(1000, longest);
  }

  @Test
  void secondCloseFailsAsTaskGone() {
    task.close(close().build());
    task.close(close().build());
    rec.assertSuccess("closeSocket:ok");
    rec.assertFail("closeSocket:fail:taskID not exist");
    rec.assertClose(1000, "");
    task.close(close().build());
    rec.assertFail("closeSocket:fail:taskID not exist");
  }

  @Test
  void serverCloseCodeAndReasonArePassedThrough() {
    peer.awaitOpen().close(4321, "kicked");
    rec.assertClose(4321, "kicked");
    assertThat(task.readyState()).isEqualTo(SocketTask.CLOSED);
    rec.assertExhausted(QUIET);
  }

  @Test
  void closeWhileConnectingClosesAfterTheHandshakeWithoutOnOpen() throws Exception {
    ServerPeer second = ServerPeer.enqueue(server);
    SocketTask connecting = wx.connectSocket(ConnectSocketOptions.of(ServerPeer.wsUrl(server)));
    TaskRecorder r = TaskRecorder.attach(connecting);
    connecting.close(CloseSocketOptions.builder().code(3001)
        .success(r.success()).complete(r.complete()).build());
    r.assertSuccess("closeSocket:ok");
    second.assertOpen();
    second.assertClosing(3001, "");
    r.assertClose(3001, "");
    r.assertExhausted(QUIET);
  }
}
