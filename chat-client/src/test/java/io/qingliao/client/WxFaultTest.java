package io.qingliao.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.qingliao.client.testing.ServerPeer;
import io.qingliao.client.testing.TaskRecorder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockWebServer;
import okhttp3.WebSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
class WxFaultTest {
  private static final Duration QUIET = Duration.ofMillis(200);

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

  @Test
  void droppedConnectionGivesErrorThenClose1006AndTheServerSeesNoCloseFrame() {
    wx.faults(task).dropConnection();
    rec.assertError("abnormal closure");
    rec.assertClose(1006, "abnormal closure");
    assertThat(task.readyState()).isEqualTo(SocketTask.CLOSED);
    peer.assertFailure();
    rec.assertExhausted(QUIET);
  }

  @Test
  void dropOnAClosedTaskDoesNothing() {
    task.close();
    rec.assertClose(1000, "");
    wx.faults(task).dropConnection();
    rec.assertExhausted(QUIET);
  }

  @Test
  void serverVanishingLooksTheSame() {
    server.close();
    rec.assertError("abnormal closure");
    rec.assertClose(1006, "abnormal closure");
  }

  @Test
  void delayedIncomingMessagesKeepTheirOrderAndTheCloseWaitsForThem() {
    wx.faults(task).delayIncoming(Duration.ofMillis(300));
    WebSocket ws = peer.awaitOpen();
    long start = System.nanoTime();
    ws.send("a");
    ws.send("b");
    ws.close(4001, "done");
    rec.assertText("a");
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofMillis(300));
    rec.assertText("b");
    rec.assertClose(4001, "done");
  }

  @Test
  void removingTheDelayDoesNotLetLaterMessagesOvertake() throws Exception {
    wx.faults(task).delayIncoming(Duration.ofMillis(400));
    WebSocket ws = peer.awaitOpen();
    ws.send("slow");
    Thread.sleep(100);
    wx.faults(task).delayIncoming(Duration.ZERO);
    ws.send("fast");
    rec.assertText("slow");
    rec.assertText("fast");
  }

  @Test
  void faultsOnlyForTasksOfThisWx() {
    try (Wx other = Wx.create()) {
      SocketTask foreign = other.connectSocket(ConnectSocketOptions.of("nope"));
      assertThatThrownBy(() -> wx.faults(foreign)).isInstanceOf(IllegalArgumentException.class);
    }
  }
}
