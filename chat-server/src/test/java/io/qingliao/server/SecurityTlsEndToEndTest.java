package io.qingliao.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.qingliao.server.SecurityTestSupport.HttpAnswer;
import io.qingliao.server.SecurityTestSupport.RecordingClient;
import io.qingliao.server.testing.NoLeakedThreads;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A ChatServer built with {@code .tls(ctx)}: wss:// and https:// work, legacy TLS does not. */
@Timeout(60)
@ExtendWith(NoLeakedThreads.class)
class SecurityTlsEndToEndTest {
  private static final int TLS_1_1 = 0x0302;
  private static final int TLS_1_2 = 0x0303;

  @TempDir static Path dir;
  static Path keystore;
  static SSLContext clientContext;

  private ChatServer server;

  @BeforeAll
  static void makeKeystore() throws Exception {
    keystore = SecurityTestSupport.generateKeystore(dir);
    clientContext = SecurityTestSupport.trusting(keystore);
  }

  @BeforeEach
  void start() {
    server = ChatServer.builder()
        .host("127.0.0.1")
        .wsPort(0)
        .httpPort(0)
        .memoryStore()
        .tls(Tls.fromPkcs12(keystore, SecurityTestSupport.KEYSTORE_PASSWORD.toCharArray()))
        .build()
        .start();
  }

  @AfterEach
  void stop() {
    server.stop(Duration.ofSeconds(5));
  }

  @Test
  void wssClientThatTrustsTheCertificateGetsWelcome() throws Exception {
    RecordingClient client = new RecordingClient(
        URI.create("wss://localhost:" + server.wsPort() + "/?nick=secure"), Map.of());
    client.setSocketFactory(clientContext.getSocketFactory());
    try {
      assertThat(client.connectBlocking(10, TimeUnit.SECONDS)).as("wss handshake").isTrue();
      assertThat(client.awaitType("welcome")).contains("\"nick\":\"secure\"");
      client.send("{\"type\":\"ping\",\"cid\":\"p\"}");
      assertThat(client.awaitType("pong")).contains("\"cid\":\"p\"");
    } finally {
      client.shutdown();
    }
  }

  @Test
  void httpsHealthAnswers200() throws Exception {
    HttpAnswer health = SecurityTestSupport.http("GET",
        "https://127.0.0.1:" + server.httpPort() + "/health", Map.of(), null, clientContext);

    assertThat(health.status()).isEqualTo(200);
    assertThat(health.body()).contains("\"status\":\"ok\"");
  }

  @Test
  void modernClientsNegotiateTls13() throws Exception {
    for (int port : new int[] {server.wsPort(), server.httpPort()}) {
      try (SSLSocket socket = (SSLSocket) clientContext.getSocketFactory().createSocket("127.0.0.1", port)) {
        socket.setSoTimeout(5000);
        socket.startHandshake();
        assertThat(socket.getSession().getProtocol()).as("port %d", port).isEqualTo("TLSv1.3");
      }
    }
  }

  @Test
  void tls12ClientHelloIsAnswered() throws Exception {
    assertThat(SecurityTestSupport.tlsProbe(server.wsPort(), TLS_1_2)).isEqualTo("server_hello 0x0303");
    assertThat(SecurityTestSupport.tlsProbe(server.httpPort(), TLS_1_2)).isEqualTo("server_hello 0x0303");
  }

  /**
   * No ServerHello for TLS 1.1 (the JDK answers with an alert; Java-WebSocket just drops the
   * connection). {@link SecurityLegacyTlsTest} shows the same probe does get a TLS 1.1
   * ServerHello from a server that allows it.
   */
  @Test
  void tls11ClientHelloIsRefused() throws Exception {
    assertThat(SecurityTestSupport.tlsProbe(server.wsPort(), TLS_1_1)).doesNotStartWith("server_hello");
    assertThat(SecurityTestSupport.tlsProbe(server.httpPort(), TLS_1_1)).doesNotStartWith("server_hello");
  }

  @Test
  void plainWebSocketOnTheTlsPortGetsNoWelcome() throws Exception {
    RecordingClient client = new RecordingClient(
        URI.create("ws://127.0.0.1:" + server.wsPort() + "/?nick=plain"), Map.of());
    try {
      client.connectBlocking(10, TimeUnit.SECONDS);
      client.awaitClose();
      assertThat(client.messages).noneMatch(m -> m.contains("welcome"));
    } finally {
      client.shutdown();
    }
  }
}
