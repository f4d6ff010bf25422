package io.qingliao.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.qingliao.client.testing.ServerPeer;
import io.qingliao.client.testing.TaskRecorder;
import io.qingliao.client.testing.ThreadLeaks;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class WxThreadLeakTest {
  @Test
  void closingWxLeavesNoThreadBehind() throws Exception {
    ThreadLeaks leaks = ThreadLeaks.snapshot();
    MockWebServer server = new MockWebServer();
    server.start();
    Wx wx = Wx.builder().backgroundDelay(Duration.ofSeconds(30)).build();
    try (ServerSocket silent = new ServerSocket(0)) {
      // Sockets open, closing, connecting and hidden: every kind of OkHttp work in flight.
      ServerPeer a = ServerPeer.enqueue(server);
      SocketTask open = wx.connectSocket(ConnectSocketOptions.of(ServerPeer.wsUrl(server)));
      TaskRecorder ra = TaskRecorder.attach(open);
      ra.assertOpen();
      a.awaitOpen().send("hello");
      ra.assertText("hello");
      ServerPeer b = ServerPeer.enqueue(server);
      SocketTask closing = wx.connectSocket(ConnectSocketOptions.of(ServerPeer.wsUrl(server)));
      TaskRecorder.attach(closing).assertOpen();
      b.awaitOpen();
      closing.close();
      wx.connectSocket(ConnectSocketOptions.of("ws://127.0.0.1:" + silent.getLocalPort() + "/"));
      wx.hide();
      assertThat(leaks.allNewThreadNames()).anyMatch(n -> n.contains("callbacks"));
    } finally {
      wx.close();
      server.close();
    }
    leaks.assertNoneLeft(Duration.ofSeconds(10));
  }

  @Test
  void closeFromACallbackStopsTheRuntime() throws Exception {
    ThreadLeaks leaks = ThreadLeaks.snapshot();
    MockWebServer server = new MockWebServer();
    server.start();
    Wx wx = Wx.create();
    try {
      ServerPeer.enqueue(server);
      SocketTask task = wx.connectSocket(ConnectSocketOptions.of(ServerPeer.wsUrl(server)));
      CountDownLatch closed = new CountDownLatch(1);
      task.onOpen(r -> {
        wx.close();
        closed.countDown();
      });
      assertThat(closed.await(5, TimeUnit.SECONDS)).isTrue();
    } finally {
      wx.close();
      server.close();
    }
    leaks.assertNoneLeft(Duration.ofSeconds(10));
  }
}
