package io.qingliao.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.qingliao.server.testing.NoLeakedThreads;
import io.qingliao.server.testing.RawWebSocket;
import io.qingliao.server.testing.RecordingWebSocket;
import io.qingliao.server.testing.TestServers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Start, ports, stop: what an embedder and Main rely on. */
@Timeout(30)
@ExtendWith(NoLeakedThreads.class)
class ChatServerLifecycleTest {

  @Test
  void startReturnsOnceTheWebSocketPortListens() throws IOException {
    try (ChatServer server = TestServers.memory().build().start()) {
      assertThat(server.wsPort()).isPositive();
      assertThat(server.httpPort()).isEqualTo(-1);
      try (Socket probe = new Socket()) {
        probe.connect(new InetSocketAddress("127.0.0.1", server.wsPort()), 1_000);
        assertThat(probe.isConnected()).isTrue();
      }
    }
  }

  @Test
  void startBindsTheHttpPortToo() throws IOException {
    OkHttpClient http = new OkHttpClient();
    try (ChatServer server = TestServers.memory().httpPort(0).build().start()) {
      assertThat(server.httpPort()).isPositive().isNotEqualTo(server.wsPort());
      try (Response health = http.newCall(new Request.Builder()
          .url("http://127.0.0.1:" + server.httpPort() + "/health").build()).execute()) {
        assertThat(health.code()).isEqualTo(200);
      }
    } finally {
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }

  @Test
  void aPortInUseFailsStartWithUncheckedIOExceptionAndLeavesNothingRunning() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      ChatServer server = TestServers.memory().wsPort(taken.getLocalPort()).build();

      assertThatThrownBy(server::start).isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining(String.valueOf(taken.getLocalPort()));
      server.close();
    }
  }

  @Test
  void aServerStartsOnceAndStopsOnce() {
    ChatServer server = TestServers.memory().build().start();
    assertThatThrownBy(server::start).isInstanceOf(IllegalStateException.class);

    server.stop(Duration.ofSeconds(5));
    server.stop(Duration.ofSeconds(5));
    server.close();

    assertThatThrownBy(server::start).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aServerStoppedWithoutStartingReleasesItsStore() {
    ChatServer server = TestServers.memory().build();

    server.close();

    assertThatThrownBy(server::start).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void theWelcomeHeartbeatIsHalfTheIdleTimeout() {
    try (ChatServer server = TestServers.memory().idleTimeout(Duration.ofSeconds(10)).build().start();
        RecordingWebSocket ws = RecordingWebSocket.connect(server.wsPort(), "/")) {
      assertThat(ws.awaitJson("welcome").get("heartbeat").getAsInt()).isEqualTo(5);
    }
  }

  @Test
  void stoppingWaitsNoLongerThanTheTimeoutForClientsThatDoNotAnswer() throws IOException {
    ChatServer server = TestServers.memory().build().start();
    try (RawWebSocket mute = RawWebSocket.connect(server.wsPort(), "/?nick=mute", 4096)) {
      long start = System.nanoTime();
      server.stop(Duration.ofSeconds(2));
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
      assertThat(mute.awaitCloseCode()).isEqualTo(1001);
    }
  }
}
