package io.qingliao.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.qingliao.client.testing.ServerPeer;
import io.qingliao.client.testing.TaskRecorder;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockWebServer;
import okhttp3.WebSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
class WxListenerTest {
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

  @Test
  void listenersAccumulateAndRunInRegistrationOrder() {
    ServerPeer peer = ServerPeer.enqueue(server);
    SocketTask task = wx.connectSocket(ConnectSocketOptions.of(ServerPeer.wsUrl(server)));
    TaskRecorder rec = new TaskRecorder();
    task.onMessage(rec.recorder("first"));
    task.onMessage(rec.recorder("second"));
    task.onOpen(rec.recorder("open"));

    rec.assertOpen();
    peer.awaitOpen().send("hi");
    assertThat(((MessageResult) rec.next("first").value()).data()).isEqualTo("hi");
    assertThat(((MessageResult) rec.next("second").value()).data()).isEqualTo("hi");
    rec.assertExhausted(QUIET);
  }

  @Test
  void eventsAreNotReplayedToLateListeners() {
    ServerPeer peer = ServerPeer.enqueue(server);
    SocketTask task = wx.connectSocket(ConnectSocketOptions.of(ServerPeer.wsUrl(server)));
    TaskRecorder early = TaskRecorder.attach(task);
    early.assertOpen();
    peer.awaitOpen().send("one");
    early.assertText("one");

    TaskRecorder late = TaskRecorder.attach(task);
    peer.awaitOpen().send("two");
    early.assertText("two");
    late.assertText("two"); // not "open", not "one"
    late.assertExhausted(QUIET);
  }

  @Test
  void aThrowingListenerDoesNotStopTheOthers() {
    ServerPeer peer = ServerPeer.enqueue(server);
    SocketTask task = wx.connectSocket(ConnectSocketOptions.of(ServerPeer.wsUrl(server)));
    task.onMessage(m -> {
      throw new IllegalStateException("page bug");
    });
    TaskRecorder rec = TaskRecorder.attach(task);
    rec.assertOpen();
    peer.awaitOpen().send("a");
    peer.awaitOpen().send("b");
    rec.assertText("a");
    rec.assertText("b");
  }

  @Test
  void onErrorFiresOnceEvenWhenTheTimeoutRacesTheFailure() throws Exception {
    try (ServerSocket silent = new ServerSocket(0)) {
      SocketTask task = wx.connectSocket(ConnectSocketOptions.builder()
          .url("ws://127.0.0.1:" + silent.getLocalPort() + "/").timeout(200).build());
      TaskRecorder rec = TaskRecorder.attach(task);
      rec.assertError("connect response time out");
      rec.assertClose(1006, "abnormal closure");
      // The timeout cancelled OkHttp's call, which then reports a failure of its own: ignored.
      rec.assertExhausted(Duration.ofMillis(500));
    }
  }

  @Test
  void everyCallbackRunsOnTheOneCallbackThreadInOrder() {
    ServerPeer peer = ServerPeer.enqueue(server);
    TaskRecorder rec = new TaskRecorder();
    SocketTask task = wx.connectSocket(ConnectSocketOptions.builder()
        .url(ServerPeer.wsUrl(server))
        .success(rec.success()).complete(rec.complete()).build());
    rec.listen(task);
    rec.assertSuccess("connectSocket:ok");
    rec.assertOpen();
    WebSocket server = peer.awaitOpen();
    for (int i = 0; i < 50; i++) {
      server.send("m" + i);
    }
    for (int i = 0; i < 50; i++) {
      rec.assertText("m" + i);
    }
    task.close(CloseSocketOptions.builder().success(rec.success()).complete(rec.complete())
        .build());
    rec.assertSuccess("closeSocket:ok");
    rec.assertClose(1000, "");

    assertThat(rec.threads()).hasSize(1);
    assertThat(rec.threads().iterator().next()).contains("callbacks");
  }

  @Test
  void callbacksNeverOverlapAcrossSockets() throws Exception {
    List<ServerPeer> peers = new ArrayList<>();
    List<SocketTask> tasks = new ArrayList<>();
    AtomicInteger running = new AtomicInteger();
    AtomicBoolean overlapped = new AtomicBoolean();
    CountDownLatch received = new CountDownLatch(3 * 100);
    List<String> order = Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < 3; i++) {
      peers.add(ServerPeer.enqueue(server));
      SocketTask task = wx.connectSocket(ConnectSocketOptions.of(ServerPeer.wsUrl(server)));
      int n = i;
      task.onMessage(m -> {
        if (running.incrementAndGet() != 1) {
          overlapped.set(true);
        }
        order.add(n + ":" + m.data());
        Thread.onSpinWait();
        running.decrementAndGet();
        received.countDown();
      });
      tasks.add(task);
    }
    List<Thread> senders = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      WebSocket ws = peers.get(i).awaitOpen();
      Thread t = new Thread(() -> {
        for (int k = 0; k < 100; k++) {
          ws.send(Integer.toString(k));
        }
      });
      senders.add(t);
      t.start();
    }
    for (Thread t : senders) {
      t.join();
    }
    assertThat(received.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(overlapped).isFalse();
    for (int i = 0; i < 3; i++) {
      int n = i;
      List<String> mine = order.stream().filter(s -> s.startsWith(n + ":")).toList();
      assertThat(mine).isEqualTo(java.util.stream.IntStream.range(0, 100)
          .mapToObj(k -> n + ":" + k).toList());
    }
  }

  @Test
  void readyStateFollowsTheEvents() {
    ServerPeer.enqueue(server);
    SocketTask task = wx.connectSocket(ConnectSocketOptions.of(ServerPeer.wsUrl(server)));
    List<Integer> seen = Collections.synchronizedList(new ArrayList<>());
    task.onOpen(r -> seen.add(task.readyState()));
    task.onClose(r -> seen.add(task.readyState()));
    TaskRecorder rec = TaskRecorder.attach(task);
    assertThat(task.readyState()).isEqualTo(SocketTask.CONNECTING);
    rec.assertOpen();
    task.close();
    assertThat(task.readyState()).isEqualTo(SocketTask.CLOSING);
    rec.assertClose(1000, "");
    assertThat(seen).containsExactly(SocketTask.OPEN, SocketTask.CLOSED);
  }
}
