package io.qingliao.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.qingliao.client.testing.ServerPeer;
import io.qingliao.client.testing.TaskRecorder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
class WxBackgroundTest {
  private static final Duration DELAY = Duration.ofMillis(300);
  private static final Duration QUIET = Duration.ofMillis(200);

  private final MockWebServer server = new MockWebServer();
  private Wx wx;

  @BeforeEach
  void setUp() throws Exception {
    server.start();
    wx = Wx.builder().backgroundDelay(DELAY).build();
  }

  @AfterEach
  void tearDown() {
    wx.close();
    server.close();
  }

  private SocketTask open(ServerPeer peer, TaskRecorder rec) {
    SocketTask task = wx.connectSocket(ConnectSocketOptions.of(ServerPeer.wsUrl(server)));
    rec.listen(task);
    rec.assertOpen();
    peer.assertOpen();
    return task;
  }

  @Test
  void hiddenPastTheDelayCutsSocketsWithInterrupted() {
    ServerPeer peer = ServerPeer.enqueue(server);
    TaskRecorder rec = new TaskRecorder();
    SocketTask task = open(peer, rec);
    TaskRecorder global = new TaskRecorder();
    wx.onSocketClose(global.recorder("close"));

    long start = System.nanoTime();
    wx.hide();
    assertThat(wx.suspended()).isFalse();
    rec.assertClose(1000, "interrupted");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(DELAY);
    global.assertClose(1000, "interrupted");
    assertThat(task.readyState()).isEqualTo(SocketTask.CLOSED);
    assertThat(wx.suspended()).isTrue();
    peer.assertClosing(1000, "interrupted");
    rec.assertExhausted(QUIET);
  }

  @Test
  void callsFailWithInterruptedWhileSuspendedAndWorkAfterShow() {
    ServerPeer peer = ServerPeer.enqueue(server);
    TaskRecorder rec = new TaskRecorder();
    SocketTask task = open(peer, rec);
    wx.hide();
    rec.assertClose(1000, "interrupted");

    TaskRecorder calls = new TaskRecorder();
    SocketTask refused = wx.connectSocket(ConnectSocketOptions.builder()
        .url(ServerPeer.wsUrl(server))
        .success(calls.success()).fail(calls.fail()).complete(calls.complete()).build());
    calls.assertFail("connectSocket:fail:jsapi has no permission,event=createSocketTask,"
        + "runningState=suspend,detail=network api interrupted in suspend state");
    assertThat(refused.readyState()).isEqualTo(SocketTask.CLOSED);
    task.send(SendSocketMessageOptions.builder().data("x")
        .fail(calls.fail()).complete(calls.complete()).build());
    calls.assertFail("sendSocketMessage:fail interrupted");
    task.close(CloseSocketOptions.builder().fail(calls.fail()).complete(calls.complete()).build());
    calls.assertFail("closeSocket:fail interrupted");
    wx.sendSocketMessage(SendSocketMessageOptions.builder().data("x")
        .fail(calls.fail()).complete(calls.complete()).build());
    calls.assertFail("sendSocketMessage:fail interrupted");

    wx.show();
    assertThat(wx.suspended()).isFalse();
    ServerPeer again = ServerPeer.enqueue(server);
    TaskRecorder back = new TaskRecorder();
    open(again, back);
  }

  @Test
  void showingBeforeTheDelayKeepsSocketsOpen() throws Exception {
    ServerPeer peer = ServerPeer.enqueue(server);
    TaskRecorder rec = new TaskRecorder();
    SocketTask task = open(peer, rec);
    wx.hide();
    Thread.sleep(DELAY.toMillis() / 3);
    task.send("still here"); // calls work during the grace period
    wx.show();
    rec.assertExhausted(DELAY.plus(QUIET));
    assertThat(task.readyState()).isEqualTo(SocketTask.OPEN);
    peer.assertText("still here");
  }

  @Test
  void silentCutDropsTheConnectionWithoutACloseFrame() {
    wx.close();
    wx = Wx.builder().backgroundDelay(Duration.ZERO).backgroundCloseFrame(false)
        .backgroundCloseCode(0).build();
    ServerPeer peer = ServerPeer.enqueue(server);
    TaskRecorder rec = new TaskRecorder();
    open(peer, rec);
    wx.hide();
    rec.assertClose(0, "interrupted");
    peer.assertFailure();
    rec.assertExhausted(QUIET);
  }
}
