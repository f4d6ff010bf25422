package io.qingliao.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import io.qingliao.server.ChatServer;
import io.qingliao.server.testing.NoLeakedThreads;
import io.qingliao.server.testing.RecordingWebSocket;
import io.qingliao.server.testing.TestServers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Abuse of the WebSocket port before any WebSocket exists: plain HTTP, garbage, TLS on the
 * plain port, handshakes that never end (slowloris, endless headers), and handshakes with
 * missing, wrong or duplicate headers. None gets a 101, each connection ends within a bounded
 * time, and a healthy pair keeps chatting.
 */
@Timeout(60)
@ExtendWith(NoLeakedThreads.class)
class HandshakeAbuseTest {
  private final List<AutoCloseable> open = new ArrayList<>();
  private ChatServer server;
  private HealthyPair healthy;

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private void start(ChatServer.Builder builder) {
    server = builder.build().start();
    healthy = HealthyPair.open(server.wsPort(), "lobby");
    open.add(healthy);
  }

  private HostileSocket tcp() throws IOException {
    HostileSocket socket = HostileSocket.tcp(server.wsPort());
    open.add(socket);
    return socket;
  }

  /**
   * Sends {@code bytes} and returns the first line the server answered ("(nothing)" if none)
   * once it ended the connection. A 101 is returned at once. The healthy pair sends heartbeats
   * meanwhile, since these servers run with a short idle (and handshake) timeout.
   */
  private String answerTo(byte[] bytes) throws IOException {
    HostileSocket socket = tcp();
    try {
      socket.write(bytes);
    } catch (IOException e) {
      // The server may hang up before taking everything.
    }
    StringBuilder answer = new StringBuilder();
    long deadline = System.nanoTime() + Duration.ofSeconds(6).toNanos();
    while (System.nanoTime() < deadline) {
      healthy.heartbeat();
      HostileSocket.Chunk chunk = socket.readFor(Duration.ofMillis(500));
      answer.append(chunk.text());
      if (answer.toString().startsWith("HTTP/1.1 101")) {
        return "HTTP/1.1 101";
      }
      if (chunk.ended()) {
        return answer.isEmpty() ? "(nothing)" : answer.toString().lines().findFirst().orElse("");
      }
    }
    throw new AssertionError("the server did not end the connection within 6 s; got: " + answer);
  }

  @Test
  void plainHttpGarbageAndTlsOnTheWebSocketPortAreAnsweredAndHungUp() throws IOException {
    start(TestServers.memory().idleTimeout(Duration.ofSeconds(2)));
    byte[] garbage = new byte[100_000];
    new Random(42).nextBytes(garbage);
    byte[] clientHello = {0x16, 0x03, 0x01, 0x00, (byte) 0xa5, 0x01, 0x00, 0x00, (byte) 0xa1, 0x03, 0x03};
    Map<String, byte[]> inputs = new LinkedHashMap<>();
    inputs.put("plain HTTP GET", "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    inputs.put("HTTP POST", "POST /api HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello".getBytes(StandardCharsets.US_ASCII));
    inputs.put("HTTP/1.0", "GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    inputs.put("random bytes", garbage);
    inputs.put("NUL bytes", new byte[10_000]);
    inputs.put("just CRLFs", "\r\n".repeat(5_000).getBytes(StandardCharsets.US_ASCII));
    inputs.put("TLS ClientHello", clientHello);
    inputs.put("a WebSocket frame before any handshake", HostileSocket.frame(HostileSocket.TEXT, true, "hi".getBytes(StandardCharsets.UTF_8)));
    Map<String, String> answers = new LinkedHashMap<>();
    for (Map.Entry<String, byte[]> input : inputs.entrySet()) {
      answers.put(input.getKey(), answerTo(input.getValue()));
      healthy.assertStillChatting();
    }
    System.out.println("non-WebSocket input: " + answers);
    assertThat(answers.values()).noneMatch(a -> a.startsWith("HTTP/1.1 101"));
    assertThat(server.hub().sessionCount()).isEqualTo(2);
  }

  @Test
  void handshakesWithMissingWrongOrDuplicateHeadersAreRefused() throws IOException {
    start(TestServers.memory().idleTimeout(Duration.ofSeconds(2)).origins(List.of("https://chat.example.com")));
    String key = "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(new byte[16]) + "\r\n";
    Map<String, String> requests = new LinkedHashMap<>();
    requests.put("no Sec-WebSocket-Key", "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n");
    requests.put("no Upgrade", "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n" + key + "Sec-WebSocket-Version: 13\r\n\r\n");
    requests.put("no Connection", "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n" + key + "Sec-WebSocket-Version: 13\r\n\r\n");
    requests.put("version 8", "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + key + "Sec-WebSocket-Version: 8\r\n\r\n");
    requests.put("no version", "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + key + "\r\n");
    requests.put("POST", "POST / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + key + "Sec-WebSocket-Version: 13\r\n\r\n");
    requests.put("Upgrade: h2c", "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n" + key + "Sec-WebSocket-Version: 13\r\n\r\n");
    requests.put("an evil Origin", "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + key
        + "Sec-WebSocket-Version: 13\r\nOrigin: https://evil.example.com\r\n\r\n");
    requests.put("evil Origin, then the allowed one", "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + key
        + "Sec-WebSocket-Version: 13\r\nOrigin: https://evil.example.com\r\nOrigin: https://chat.example.com\r\n\r\n");
    requests.put("allowed Origin, then an evil one", "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + key
        + "Sec-WebSocket-Version: 13\r\nOrigin: https://chat.example.com\r\nOrigin: https://evil.example.com\r\n\r\n");
    requests.put("two keys", "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + key + key
        + "Sec-WebSocket-Version: 13\r\n\r\n");
    requests.put("header without colon", "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + key
        + "Sec-WebSocket-Version: 13\r\nthis is not a header\r\n\r\n");
    requests.put("request line of 3 tokens missing", "GET\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + key + "Sec-WebSocket-Version: 13\r\n\r\n");
    Map<String, String> answers = new LinkedHashMap<>();
    for (Map.Entry<String, String> request : requests.entrySet()) {
      answers.put(request.getKey(), answerTo(request.getValue().getBytes(StandardCharsets.ISO_8859_1)));
      healthy.assertStillChatting();
    }
    System.out.println("bad handshakes: " + answers);
    assertThat(answers).allSatisfy((what, answer) -> assertThat(answer).as(what).doesNotStartWith("HTTP/1.1 101"));
    assertThat(server.hub().sessionCount()).isEqualTo(2);
  }

  @Test
  void aHandshakeSentOneBytePerSecondIsDroppedAfterTheIdleTimeout() throws IOException {
    start(TestServers.memory().idleTimeout(Duration.ofSeconds(2)).maxConnections(3));
    byte[] request = HostileSocket.handshake(server.wsPort(), "/?nick=slowloris", "");
    // Thirty half-finished handshakes hold no connection slot: a real client still gets in.
    List<HostileSocket> crowd = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      HostileSocket s = tcp();
      s.write(new byte[] {request[0]});
      crowd.add(s);
    }
    RecordingWebSocket third = RecordingWebSocket.open(server.wsPort(), "/?nick=third");
    open.add(third);
    third.closeNormally();

    HostileSocket slow = tcp();
    long start = System.nanoTime();
    int sent = 0;
    Duration dropped = null;
    while (sent < request.length) {
      try {
        slow.write(new byte[] {request[sent++]});
      } catch (IOException e) {
        dropped = Duration.ofNanos(System.nanoTime() - start);
        break;
      }
      healthy.heartbeat();
      try {
        slow.awaitEndOfStream(Duration.ofSeconds(1));
        dropped = Duration.ofNanos(System.nanoTime() - start);
        break;
      } catch (AssertionError stillOpen) {
        // One second passed and the connection is still there: send the next byte.
      }
    }
    assertThat(dropped).as("dropped before the handshake was complete").isNotNull();
    assertThat(sent).isLessThan(request.length);
    assertThat(dropped).as("idle timeout 2 s").isLessThan(Duration.ofSeconds(5));
    for (HostileSocket s : crowd) {
      s.awaitEndOfStream(Duration.ofSeconds(3));
    }
    healthy.assertStillChatting();
  }

  @Test
  void endlessHeadersAreCutOffLongBeforeTheyFillTheMemory() throws IOException {
    start(TestServers.memory());
    // A fixed send buffer: with the kernel's autotuning the client's buffer alone may take 4 MiB
    // while a busy server has not yet read the 32 KiB that ends the connection.
    HostileSocket socket = HostileSocket.tcpWithSendBuffer(server.wsPort(), 64 * 1024);
    open.add(socket);
    socket.write(("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n").getBytes(StandardCharsets.US_ASCII));
    byte[] line = ("X-Padding: " + "a".repeat(1_000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
    long written = 0;
    long start = System.nanoTime();
    try {
      while (written < 64L << 20 && System.nanoTime() - start < Duration.ofSeconds(20).toNanos()) {
        socket.write(line);
        written += line.length;
      }
    } catch (IOException e) {
      // Cut off: what this test wants.
    }
    System.out.printf("endless headers: cut off after %d bytes%n", written);
    assertThat(written).as("bytes of headers taken before the server hung up").isLessThan(4L << 20);
    socket.awaitEndOfStream(Duration.ofSeconds(5));
    healthy.assertStillChatting();
  }
}
