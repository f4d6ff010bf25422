package io.qingliao.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.qingliao.core.ServerEvent;
import io.qingliao.server.ChatServer;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okhttp3.OkHttpClient;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Connection states, heartbeat, timeouts, close, and the threads a client leaves behind. */
@Timeout(30)
class ChatClientLifecycleTest {
  private static final String WELCOME =
      "{\"type\":\"welcome\",\"session\":\"s1\",\"nick\":\"bot\",\"heartbeat\":30,\"server\":\"mock\"}";

  private static ChatServer server() {
    return ChatServer.builder().host("127.0.0.1").wsPort(0).httpPort(-1).memoryStore().build().start();
  }

  private static Set<Thread> liveThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).collect(Collectors.toSet());
  }

  @Test
  void closeReleasesEveryThreadTheClientStarted() throws Exception {
    try (ChatServer server = server()) {
      Set<Thread> before = liveThreads();
      ChatClient client = ChatClient.builder().url("ws://127.0.0.1:" + server.wsPort()).nick("bot").connect();
      client.send("hello").get(5, TimeUnit.SECONDS);
      assertThat(liveThreads()).anyMatch(t -> t.getName().startsWith("qingliao-chat-client"));

      client.close();

      List<String> leaked = liveThreads().stream().filter(t -> !before.contains(t)).map(Thread::getName)
          .filter(name -> name.startsWith("qingliao-chat-client") || name.contains("OkHttp") || name.contains("Okio")
              || name.startsWith("ForkJoinPool") || name.startsWith("CompletableFuture"))
          .toList();
      assertThat(leaked).isEmpty();
    }
  }

  @Test
  void statesGoFromConnectingToOpenToClosedAndCloseIsIdempotent() throws Exception {
    List<String> states = new CopyOnWriteArrayList<>();
    try (ChatServer server = server()) {
      ChatClient client = ChatClient.builder().url("ws://127.0.0.1:" + server.wsPort()).nick("bot")
          .connectionListener(new RecordingConnectionListener(states)).connect();
      assertThat(client.state()).isIn(ConnectionState.CONNECTING, ConnectionState.OPEN);
      ServerEvent.Welcome welcome = client.opened().get(5, TimeUnit.SECONDS);
      assertThat(welcome.nick()).isEqualTo("bot");
      assertThat(client.state()).isEqualTo(ConnectionState.OPEN);

      client.close();
      client.close();

      assertThat(client.state()).isEqualTo(ConnectionState.CLOSED);
      assertThat(states).containsExactly("connecting 0", "open bot", "closed 1000");
      ExecutionException e = assertThrows(ExecutionException.class, () -> client.ping().get(1, TimeUnit.SECONDS));
      assertThat(e.getCause()).isInstanceOf(ChatDisconnectedException.class);
    }
  }

  @Test
  void closeFromAListenerReturnsWithoutWaitingForItself() throws Exception {
    try (ChatServer server = server()) {
      Set<Thread> before = liveThreads();
      CompletableFuture<Long> closeMillis = new CompletableFuture<>();
      ChatClient client = ChatClient.builder().url("ws://127.0.0.1:" + server.wsPort()).nick("bot")
          .listener(new ChatListener() {
            @Override
            public void onEvent(ChatClient c, ServerEvent event) {
              if (event instanceof ServerEvent.ChatEvent) {
                long start = System.nanoTime();
                c.close();
                closeMillis.complete((System.nanoTime() - start) / 1_000_000);
              }
            }
          }).connect();

      client.send("bye");

      assertThat(closeMillis.get(5, TimeUnit.SECONDS)).isLessThan(1000);
      assertThat(client.state()).isEqualTo(ConnectionState.CLOSED);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (ownThreadsLeft(before) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(ownThreadsLeft(before)).isFalse();
    }
  }

  private static boolean ownThreadsLeft(Set<Thread> before) {
    return liveThreads().stream().anyMatch(t -> !before.contains(t) && t.getName().startsWith("qingliao-chat-client"));
  }

  @Test
  void closeFailsQueuedRequests() throws Exception {
    int deadPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      deadPort = socket.getLocalPort();
    }
    ChatClient client = ChatClient.builder().url("ws://127.0.0.1:" + deadPort)
        .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(100)).connect();
    CompletableFuture<ServerEvent.Ack> queued = client.send("nobody hears this");
    assertThat(queued).isNotDone();

    client.close();

    ExecutionException e = assertThrows(ExecutionException.class, () -> queued.get(1, TimeUnit.SECONDS));
    assertThat(e.getCause()).isInstanceOf(ChatDisconnectedException.class);
    assertThrows(ExecutionException.class, () -> client.opened().get(1, TimeUnit.SECONDS));
  }

  @Test
  void closeLeavesASharedOkHttpClientRunning() throws Exception {
    OkHttpClient shared = new OkHttpClient();
    try (ChatServer server = server()) {
      ChatClient first = ChatClient.builder().url("ws://127.0.0.1:" + server.wsPort()).okHttpClient(shared).connect();
      first.ping().get(5, TimeUnit.SECONDS);
      first.close();

      assertThat(shared.dispatcher().executorService().isShutdown()).isFalse();
      try (ChatClient second = ChatClient.builder().url("ws://127.0.0.1:" + server.wsPort()).okHttpClient(shared)
          .connect()) {
        assertThat(second.ping().get(5, TimeUnit.SECONDS).cid()).isNotBlank();
      }
    } finally {
      shared.dispatcher().executorService().shutdown();
      shared.connectionPool().evictAll();
    }
  }

  @Test
  void aRefusedTokenClosesTheClientForGood() throws Exception {
    List<String> states = new CopyOnWriteArrayList<>();
    try (ChatServer server = ChatServer.builder().host("127.0.0.1").wsPort(0).httpPort(-1).memoryStore()
        .authenticator(token -> Optional.empty()).build().start();
        ChatClient client = ChatClient.builder().url("ws://127.0.0.1:" + server.wsPort()).token("wrong")
            .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(100))
            .connectionListener(new RecordingConnectionListener(states)).connect()) {
      ExecutionException e = assertThrows(ExecutionException.class, () -> client.opened().get(5, TimeUnit.SECONDS));

      assertThat(e.getCause()).isInstanceOfSatisfying(ChatDisconnectedException.class,
          d -> assertThat(d.code()).isEqualTo(4001));
      assertThat(client.state()).isEqualTo(ConnectionState.CLOSED);
      assertThat(states).containsExactly("connecting 0", "closed 4001");
    }
  }

  @Test
  void aMissingPongDropsTheConnectionAndTheClientDialsAgain() throws Exception {
    try (MockWebServer peer = new MockWebServer()) {
      peer.enqueue(new MockResponse.Builder().webSocketUpgrade(new WelcomeThenSilence()).build());
      peer.enqueue(new MockResponse.Builder().webSocketUpgrade(new WelcomeThenSilence()).build());
      peer.start();
      CountDownLatch reopened = new CountDownLatch(2);
      List<Throwable> causes = new CopyOnWriteArrayList<>();
      try (ChatClient client = ChatClient.builder().url(peer.url("/").toString())
          .heartbeatInterval(Duration.ofMillis(200))
          .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(100))
          .connectionListener(new ConnectionListener() {
            @Override
            public void onOpen(ChatClient c, ServerEvent.Welcome welcome) {
              reopened.countDown();
            }

            @Override
            public void onReconnecting(ChatClient c, Duration delay, Throwable cause) {
              causes.add(cause);
            }
          }).connect()) {
        assertThat(reopened.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(causes).first().isInstanceOf(SocketTimeoutException.class);
      }
    }
  }

  @Test
  void aServerThatNeverSaysWelcomeIsDialedAgain() throws Exception {
    try (MockWebServer peer = new MockWebServer()) {
      peer.enqueue(new MockResponse.Builder().webSocketUpgrade(new WebSocketListener() {}).build());
      peer.enqueue(new MockResponse.Builder().webSocketUpgrade(new WelcomeThenSilence()).build());
      peer.start();
      List<Throwable> causes = new CopyOnWriteArrayList<>();
      try (ChatClient client = ChatClient.builder().url(peer.url("/").toString())
          .connectTimeout(Duration.ofMillis(300))
          .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(100))
          .connectionListener(new ConnectionListener() {
            @Override
            public void onReconnecting(ChatClient c, Duration delay, Throwable cause) {
              causes.add(cause);
            }
          }).connect()) {
        assertThat(client.opened().get(5, TimeUnit.SECONDS).server()).isEqualTo("mock");
        assertThat(causes).singleElement().isInstanceOf(SocketTimeoutException.class);
      }
    }
  }

  @Test
  void aRequestWithoutReplyTimesOut() throws Exception {
    try (MockWebServer peer = new MockWebServer()) {
      peer.enqueue(new MockResponse.Builder().webSocketUpgrade(new WelcomeThenSilence()).build());
      peer.start();
      try (ChatClient client = ChatClient.builder().url(peer.url("/").toString())
          .requestTimeout(Duration.ofMillis(300)).connect()) {
        client.opened().get(5, TimeUnit.SECONDS);

        ExecutionException e = assertThrows(ExecutionException.class, () -> client.send("hi").get(5, TimeUnit.SECONDS));

        assertThat(e.getCause()).isInstanceOf(TimeoutException.class);
        assertThat(client.state()).isEqualTo(ConnectionState.OPEN);
      }
    }
  }

  /** A protocol peer that says welcome and then answers nothing but a close. */
  private static final class WelcomeThenSilence extends WebSocketListener {
    @Override
    public void onOpen(WebSocket webSocket, Response response) {
      webSocket.send(WELCOME);
    }

    @Override
    public void onClosing(WebSocket webSocket, int code, String reason) {
      webSocket.close(1000, null);
    }
  }

  private static final class RecordingConnectionListener implements ConnectionListener {
    private final List<String> states;

    RecordingConnectionListener(List<String> states) {
      this.states = states;
    }

    @Override
    public void onConnecting(ChatClient client, int attempt) {
      states.add("connecting " + attempt);
    }

    @Override
    public void onOpen(ChatClient client, ServerEvent.Welcome welcome) {
      states.add("open " + welcome.nick());
    }

    @Override
    public void onReconnecting(ChatClient client, Duration delay, Throwable cause) {
      states.add("reconnecting");
    }

    @Override
    public void onClosed(ChatClient client, int code, String reason) {
      states.add("closed " + code);
    }
  }
}
