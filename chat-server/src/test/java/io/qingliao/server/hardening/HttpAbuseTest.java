package io.qingliao.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import io.qingliao.core.RoomName;
import io.qingliao.server.ChatServer;
import io.qingliao.server.testing.NoLeakedThreads;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Abuse of the HTTP side beyond what {@code HttpFrontendTest} covers: bodies that lie about
 * their size or never end, content types that are not JSON, hostile JSON bodies, traversal
 * through overlong encodings and classpath names, odd methods, and slow clients. Each answer
 * is the documented error; the WebSocket side's healthy pair keeps chatting throughout.
 */
@Timeout(60)
@ExtendWith(NoLeakedThreads.class)
class HttpAbuseTest {
  private static final String POST = "/api/rooms/lobby/messages";

  private ChatServer server;
  private HealthyPair healthy;
  private final List<Socket> sockets = new ArrayList<>();

  @BeforeEach
  void start() {
    server = ChatServer.builder().host("127.0.0.1").wsPort(0).httpPort(0).memoryStore().build().start();
    healthy = HealthyPair.open(server.wsPort(), "lobby");
  }

  @AfterEach
  void stop() throws IOException {
    for (Socket s : sockets) {
      s.close();
    }
    healthy.close();
    server.close();
  }

  private Socket socket() throws IOException {
    Socket socket = new Socket();
    sockets.add(socket);
    socket.connect(new InetSocketAddress("127.0.0.1", server.httpPort()), 5_000);
    socket.setSoTimeout(5_000);
    return socket;
  }

  /** Writes {@code head} (and {@code body}), returns the whole answer (the server closes: Connection: close). */
  private String exchange(String head, byte[] body) throws IOException {
    Socket socket = socket();
    OutputStream out = socket.getOutputStream();
    try {
      out.write(head.getBytes(StandardCharsets.ISO_8859_1));
      if (body != null) {
        out.write(body);
      }
      out.flush();
    } catch (IOException e) {
      // Answered and closed before the whole body was taken.
    }
    return readAnswer(socket);
  }

  private static String readAnswer(Socket socket) throws IOException {
    ByteArrayOutputStream answer = new ByteArrayOutputStream();
    InputStream in = socket.getInputStream();
    byte[] buffer = new byte[8192];
    try {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        answer.write(buffer, 0, n);
        String text = answer.toString(StandardCharsets.UTF_8);
        int headEnd = text.indexOf("\r\n\r\n");
        if (headEnd >= 0) {
          String lengthLine = text.substring(0, headEnd).lines()
              .filter(l -> l.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")).findFirst().orElse(null);
          if (lengthLine != null && text.length() - headEnd - 4 >= Integer.parseInt(lengthLine.substring(15).trim())) {
            break;
          }
        }
      }
    } catch (java.net.SocketException reset) {
      // Some answers are followed by a reset when the client still had bytes in flight.
    }
    return answer.toString(StandardCharsets.UTF_8);
  }

  private static String post(String contentType, String extraHeaders, int declaredLength) {
    return "POST " + POST + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        + (contentType == null ? "" : "Content-Type: " + contentType + "\r\n")
        + (declaredLength >= 0 ? "Content-Length: " + declaredLength + "\r\n" : "")
        + extraHeaders + "\r\n";
  }

  private static String status(String answer) {
    return answer.lines().findFirst().orElse("(nothing)");
  }

  @Test
  void bodiesOverTheLimitAre413WithoutWaitingForThem() throws IOException {
    long start = System.nanoTime();
    String huge = exchange(post("application/json", "", -1).replace("\r\n\r\n", "\r\nContent-Length: 1000000000000\r\n\r\n"), null);
    assertThat(status(huge)).isEqualTo("HTTP/1.1 413 Request Entity Too Large");
    assertThat(huge).contains("\"error\":\"too_large\"");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).as("answered before any body").isLessThan(Duration.ofSeconds(3));

    // A chunked body that would never end: cut off at the limit.
    Socket endless = socket();
    OutputStream out = endless.getOutputStream();
    out.write(post("application/json", "Transfer-Encoding: chunked\r\n", -1).getBytes(StandardCharsets.ISO_8859_1));
    byte[] chunk = ("2000\r\n" + "a".repeat(0x2000) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    long written = 0;
    try {
      while (written < 64L << 20) {
        out.write(chunk);
        written += 0x2000;
      }
    } catch (IOException e) {
      // The server stopped reading: what this test wants.
    }
    String answer = readAnswer(endless);
    assertThat(status(answer)).isEqualTo("HTTP/1.1 413 Request Entity Too Large");
    assertThat(written).as("bytes taken").isLessThan(16L << 20);

    Map<String, String> lengths = new LinkedHashMap<>();
    for (String bad : List.of("-1", "abc", "1e3", "0x10", "99999999999999999999999")) {
      String a = exchange(post("application/json", "", -1).replace("\r\n\r\n", "\r\nContent-Length: " + bad + "\r\n\r\n"), null);
      lengths.put(bad, status(a));
    }
    assertThat(lengths.values()).as("%s", lengths).allMatch(s -> s.startsWith("HTTP/1.1 400") || s.startsWith("HTTP/1.1 413"));
    healthy.assertStillChatting();
  }

  @Test
  void writesThatAreNotJsonAre415() throws IOException {
    byte[] body = "{\"text\":\"hi\"}".getBytes(StandardCharsets.UTF_8);
    Map<String, String> answers = new LinkedHashMap<>();
    for (String type : List.of("text/plain", "text/html", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
        "application/json; charset=utf-16", "application/json; charset=iso-8859-1", "application/jsonp",
        "application/json-patch+json", "json", "*/*", "")) {
      answers.put(type, status(exchange(post(type, "", body.length), body)));
    }
    assertThat(answers).allSatisfy((type, status) -> assertThat(status).as(type).startsWith("HTTP/1.1 415"));
    assertThat(server.hub().history(RoomName.LOBBY, Long.MAX_VALUE, 100))
        .noneMatch(m -> m.text().equals("hi"));
    healthy.assertStillChatting();
  }

  @Test
  void hostileJsonBodiesAre400() throws IOException {
    Map<String, String> bodies = new LinkedHashMap<>();
    bodies.put("[".repeat(30_000) + "]".repeat(30_000), "bad_request");
    bodies.put("{\"text\":" + "[".repeat(30_000) + "}", "bad_request");
    bodies.put("{\"text\":{\"a\":{\"b\":{\"c\":1}}}}", "bad_request");
    bodies.put("{\"text\":1e999999}", "bad_request");
    bodies.put("{\"text\":\"\\ud800\"}", "bad_request");
    bodies.put("{\"text\":\"  \"}", "bad_request");
    bodies.put("{\"text\":\"" + "字".repeat(4097) + "\"}", "too_long");
    bodies.put("{\"from\":\"a\\u0000b\",\"text\":\"x\"}", "invalid_nick");
    bodies.put("{\"from\":\"" + "n".repeat(33) + "\",\"text\":\"x\"}", "invalid_nick");
    bodies.put("null", "bad_request");
    bodies.put("\"text\"", "bad_request");
    bodies.put("", "bad_request");
    bodies.put("{\"text\":\"x\"} trailing", "bad_request");
    Map<String, String> wrong = new LinkedHashMap<>();
    for (Map.Entry<String, String> c : bodies.entrySet()) {
      byte[] body = c.getKey().getBytes(StandardCharsets.UTF_8);
      String answer = exchange(post("application/json", "", body.length), body);
      if (!status(answer).startsWith("HTTP/1.1 400") || !answer.contains("\"error\":\"" + c.getValue() + "\"")) {
        wrong.put(c.getKey().length() > 60 ? c.getKey().substring(0, 60) + "…" : c.getKey(), status(answer) + " " + answer.substring(answer.indexOf("\r\n\r\n") + 4));
      }
    }
    byte[] invalidUtf8 = {'{', '"', 't', 'e', 'x', 't', '"', ':', '"', (byte) 0xC0, (byte) 0xAF, '"', '}'};
    String answer = exchange(post("application/json", "", invalidUtf8.length), invalidUtf8);
    if (!status(answer).startsWith("HTTP/1.1 400")) {
      wrong.put("invalid UTF-8", status(answer));
    }
    assertThat(wrong).isEmpty();
    assertThat(server.hub().history(RoomName.LOBBY, Long.MAX_VALUE, 100))
        .allMatch(m -> m.from().startsWith("healthy-"));
    healthy.assertStillChatting();
  }

  @Test
  void traversalAndClasspathNamesNeverLeaveTheStaticFolder() throws IOException {
    List<String> attempts = List.of(
        "/%c0%af..%c0%afio/qingliao/server/ChatServer.class",
        "/%e0%80%ae%e0%80%ae/io/qingliao/server/ChatServer.class",
        "/%u002e%u002e/io/qingliao/server/ChatServer.class",
        "/..;/io/qingliao/server/ChatServer.class",
        "/io/qingliao/server/ChatServer.class",
        "/META-INF/MANIFEST.MF",
        "/../META-INF/MANIFEST.MF",
        "/simplelogger.properties",
        "/static/index.html",
        "/index.html/..",
        "/index.html%2f..%2f..%2fsimplelogger.properties",
        "/" + "a/".repeat(20_000),
        "/?../../simplelogger.properties",
        "/%00",
        "/app.js%00.html");
    Map<String, String> answers = new LinkedHashMap<>();
    for (String path : attempts) {
      String answer = exchange("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", null);
      answers.put(path.length() > 60 ? path.substring(0, 60) + "…" : path, status(answer));
      assertThat(answer).as(path).doesNotContain("org.slf4j").doesNotContain("Manifest-Version").doesNotContain("\u00ca\u00fe\u00ba\u00be");
    }
    assertThat(answers).allSatisfy((path, status) -> assertThat(status).as(path)
        .matches("HTTP/1.1 (400|404|413|414|431)( .*)?|HTTP/1.1 200 OK"));
    assertThat(answers.get("/?../../simplelogger.properties")).as("the query is not a path").isEqualTo("HTTP/1.1 200 OK");
    assertThat(answers.values().stream().filter(s -> s.startsWith("HTTP/1.1 200"))).hasSize(1);
    for (String method : List.of("TRACE", "OPTIONS", "CONNECT", "PATCH", "DELETE", "PUT", "FOO")) {
      String answer = exchange(method + " / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", null);
      assertThat(status(answer)).as(method).matches("HTTP/1.1 (400|405|501).*");
    }
    healthy.assertStillChatting();
  }

  @Test
  void slowClientsDoNotStallTheHttpSide() throws IOException {
    // More half-sent requests than the HTTP side has workers: /health must still answer.
    List<Socket> slow = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      Socket s = socket();
      s.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.ISO_8859_1));
      slow.add(s);
    }
    for (int i = 0; i < 8; i++) {
      Socket s = socket();
      s.getOutputStream().write((post("application/json", "", 1000) + "{\"text\":").getBytes(StandardCharsets.ISO_8859_1));
      slow.add(s);
    }
    long start = System.nanoTime();
    String health = exchange("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", null);
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(status(health)).isEqualTo("HTTP/1.1 200 OK");
    assertThat(took).as("health answered despite 16 stalled requests").isLessThan(Duration.ofSeconds(2));
    healthy.assertStillChatting();
    for (Socket s : slow) {
      try {
        s.setSoTimeout(100);
        s.getInputStream().read();
      } catch (SocketTimeoutException stillWaiting) {
        // Fine: the point was that they do not block others.
      }
    }
  }
}
