package io.qingliao.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.qingliao.core.ConnectRequest;
import io.qingliao.core.Hub;
import io.qingliao.core.InMemoryMessageStore;
import io.qingliao.core.MessageStore;
import io.qingliao.core.OutboundFrame;
import io.qingliao.core.OutputFormat;
import io.qingliao.core.SessionTransport;
import io.qingliao.server.HttpTestClient.Response;
import io.qingliao.server.internal.http.HttpFrontend;
import io.qingliao.server.internal.metrics.ServerMetrics;
import io.qingliao.server.testing.NoLeakedThreads;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Stream;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(NoLeakedThreads.class)
@Timeout(30)
class HttpFrontendTest {
  private static final String HALL_ENCODED = "%E5%A4%A7%E5%8E%85"; // 大厅

  @TempDir Path dir;
  private final List<AutoCloseable> cleanup = new ArrayList<>();
  private Hub hub;
  private ServerMetrics metrics;
  private HttpFrontend http;
  private SSLContext clientTls;

  @AfterEach
  void stopEverything() throws Exception {
    if (http != null) {
      http.stop();
    }
    for (AutoCloseable c : cleanup) {
      c.close();
    }
    assertThat(Thread.getAllStackTraces().keySet())
        .noneMatch(t -> t.isAlive() && (t.getName().startsWith("qingliao-http-") || t.getName().equals("HTTP-Dispatcher")));
  }

  private void start(String adminToken) {
    start(new InMemoryMessageStore(1000), adminToken);
  }

  private void start(MessageStore store, String adminToken) {
    Hub[] ref = new Hub[1];
    metrics = new ServerMetrics(() -> ref[0]);
    hub = Hub.builder().store(store).listener(metrics).build();
    ref[0] = hub;
    cleanup.add(hub);
    cleanup.add(store);
    http = HttpFrontend.start(new InetSocketAddress("127.0.0.1", 0), null, hub, metrics, adminToken);
  }

  @Test
  void healthAnswersOkAsJson() throws Exception {
    start(null);
    Response response = get("/health");
    assertThat(response.status).isEqualTo(200);
    assertThat(response.header("content-type")).isEqualTo("application/json; charset=utf-8");
    assertThat(response.json()).isEqualTo(JsonParser.parseString("{\"status\":\"ok\"}"));
    Response head = send("HEAD", "/health", Map.of(), null);
    assertThat(head.status).isEqualTo(200);
    assertThat(head.body).isEmpty();
  }

  @Test
  void postPublishesToLiveMembersAndAnswers201WithTheStoredChat() throws Exception {
    start(null);
    RecordingTransport alice = new RecordingTransport();
    hub.open(alice, new ConnectRequest("alice", "大厅", null, OutputFormat.JSON, null));

    Response response = postJson("/api/rooms/" + HALL_ENCODED + "/messages", "{\"from\":\"机器人\",\"text\":\"你好 😀\"}");
    assertThat(response.status).isEqualTo(201);
    JsonObject chat = response.json().getAsJsonObject();
    assertThat(chat.get("type").getAsString()).isEqualTo("chat");
    assertThat(chat.get("room").getAsString()).isEqualTo("大厅");
    assertThat(chat.get("seq").getAsLong()).isEqualTo(1);
    assertThat(chat.get("from").getAsString()).isEqualTo("机器人");
    assertThat(chat.get("text").getAsString()).isEqualTo("你好 😀");
    assertThat(chat.get("id").getAsString()).isNotEmpty();
    assertThat(alice.texts()).anyMatch(f -> f.contains("\"type\":\"chat\"") && f.contains("你好 😀"));

    Response history = get("/api/rooms/" + HALL_ENCODED + "/messages");
    assertThat(history.status).isEqualTo(200);
    JsonObject body = history.json().getAsJsonObject();
    assertThat(body.get("room").getAsString()).isEqualTo("大厅");
    assertThat(body.getAsJsonArray("messages")).containsExactly(chat);
  }

  @Test
  void postToAnUnknownRoomCreatesItAndTheRoomIsListed() throws Exception {
    start(null);
    assertThat(get("/api/rooms").json().getAsJsonArray()).isEmpty();
    assertThat(get("/api/rooms/newroom/messages").status).isEqualTo(404);

    assertThat(postJson("/api/rooms/newroom/messages", "{\"from\":\"ops\",\"text\":\"first\"}").status).isEqualTo(201);
    assertThat(postJson("/api/rooms/newroom/messages", "{\"from\":\"ops\",\"text\":\"second\"}").status).isEqualTo(201);
    RecordingTransport bob = new RecordingTransport();
    hub.open(bob, new ConnectRequest("bob", "lobby", null, OutputFormat.JSON, null));

    JsonArray rooms = get("/api/rooms").json().getAsJsonArray();
    assertThat(rooms).contains(
        JsonParser.parseString("{\"room\":\"newroom\",\"members\":0,\"seq\":2}"),
        JsonParser.parseString("{\"room\":\"lobby\",\"members\":1,\"seq\":0}"));
    assertThat(get("/api/rooms/newroom/members").json())
        .isEqualTo(JsonParser.parseString("{\"room\":\"newroom\",\"members\":[]}"));
  }

  @Test
  void historyPagesWithBeforeAndLimit() throws Exception {
    start(null);
    for (int i = 1; i <= 5; i++) {
      assertThat(postJson("/api/rooms/paging/messages", "{\"from\":\"p\",\"text\":\"m" + i + "\"}").status).isEqualTo(201);
    }
    assertThat(seqs(get("/api/rooms/paging/messages?limit=2"))).containsExactly(4L, 5L);
    assertThat(seqs(get("/api/rooms/paging/messages?before=4&limit=2"))).containsExactly(2L, 3L);
    assertThat(seqs(get("/api/rooms/paging/messages?before=2"))).containsExactly(1L);
    assertThat(seqs(get("/api/rooms/paging/messages?before=0"))).isEmpty();
    assertThat(seqs(get("/api/rooms/paging/messages"))).containsExactly(1L, 2L, 3L, 4L, 5L);
  }

  @Test
  void badLimitOrBeforeIsBadRequest() throws Exception {
    start(null);
    postJson("/api/rooms/lobby/messages", "{\"from\":\"p\",\"text\":\"x\"}");
    for (String query : List.of("limit=0", "limit=101", "limit=abc", "before=-1", "before=1.5", "limit=%31%30%31", "before=%2D1")) {
      Response response = get("/api/rooms/lobby/messages?" + query);
      assertThat(response.status).as(query).isEqualTo(400);
      assertError(response, "bad_request");
    }
  }

  @Test
  void membersListsLiveNicks() throws Exception {
    start(null);
    hub.open(new RecordingTransport(), new ConnectRequest("alice", "大厅", null, OutputFormat.JSON, null));
    hub.open(new RecordingTransport(), new ConnectRequest("小明", "大厅", null, OutputFormat.JSON, null));
    Response response = get("/api/rooms/" + HALL_ENCODED + "/members");
    assertThat(response.status).isEqualTo(200);
    assertThat(response.json()).isEqualTo(JsonParser.parseString("{\"room\":\"大厅\",\"members\":[\"alice\",\"小明\"]}"));
  }

  @Test
  void unknownRoomIs404AndInvalidRoomIs400() throws Exception {
    start(null);
    assertError(get("/api/rooms/ghost/messages"), 404, "not_found");
    assertError(get("/api/rooms/ghost/members"), 404, "not_found");
    for (String bad : List.of("a%20b", "a%2Fb", "%E5%A4", "bad!", "x".repeat(65))) {
      assertError(get("/api/rooms/" + bad + "/messages"), 400, "invalid_room");
      assertError(postJson("/api/rooms/" + bad + "/messages", "{\"text\":\"x\"}"), 400, "invalid_room");
    }
  }

  @Test
  void adminTokenGuardsPostsOnly() throws Exception {
    start("s3cret");
    String path = "/api/rooms/lobby/messages";
    String body = "{\"from\":\"ops\",\"text\":\"hello\"}";
    assertError(postJson(path, body), 401, "unauthorized");
    assertError(send("POST", path, Map.of("Content-Type", "application/json", "Authorization", "Bearer wrong"), bytes(body)),
        401, "unauthorized");
    assertError(send("POST", path, Map.of("Content-Type", "application/json", "Authorization", "s3cret"), bytes(body)),
        401, "unauthorized");
    Response ok = send("POST", path, Map.of("Content-Type", "application/json", "Authorization", "Bearer s3cret"), bytes(body));
    assertThat(ok.status).isEqualTo(201);
    assertThat(get("/api/rooms/lobby/messages").status).isEqualTo(200);
  }

  @Test
  void badBodiesAreRefusedWithTheirCodes() throws Exception {
    start(null);
    String path = "/api/rooms/lobby/messages";
    assertError(send("POST", path, Map.of("Content-Type", "text/plain"), bytes("{\"text\":\"x\"}")), 415, "unsupported_media_type");
    assertError(send("POST", path, Map.of(), bytes("{\"text\":\"x\"}")), 415, "unsupported_media_type");
    assertError(postJson(path, "{\"from\":\"a\"}"), 400, "bad_request");
    assertError(postJson(path, "{\"from\":\"a\",\"text\":\"   \"}"), 400, "bad_request");
    assertError(postJson(path, "{\"from\":\"a\",\"text\":42}"), 400, "bad_request");
    assertError(postJson(path, "[1,2]"), 400, "bad_request");
    assertError(postJson(path, "{not json"), 400, "bad_request");
    assertError(postJson(path, "{\"from\":\"a\",\"text\":\"" + "字".repeat(4097) + "\"}"), 400, "too_long");
    Response accepted = send("POST", path, Map.of("Content-Type", "Application/JSON; charset=UTF-8"), bytes("{\"text\":\"ok\"}"));
    assertThat(accepted.status).isEqualTo(201);
    assertThat(get("/api/rooms/lobby/messages").json().getAsJsonObject().getAsJsonArray("messages")).hasSize(1);
  }

  @Test
  void bodyOver64KiBIs413() throws Exception {
    start(null);
    String path = "/api/rooms/lobby/messages";
    byte[] big = bytes("{\"text\":\"" + "a".repeat(70_000) + "\"}");
    assertError(send("POST", path, Map.of("Content-Type", "application/json"), big), 413, "too_large");
    assertError(sendChunked("POST", path, Map.of("Content-Type", "application/json"), big), 413, "too_large");
    assertThat(postJson(path, "{\"text\":\"small\"}").status).isEqualTo(201);
  }

  @Test
  void wrongMethodIs405AndUnknownRouteIs404() throws Exception {
    start(null);
    Response delete = send("DELETE", "/api/rooms", Map.of(), null);
    assertError(delete, 405, "method_not_allowed");
    assertThat(delete.header("allow")).contains("GET");
    assertError(send("PUT", "/health", Map.of(), null), 405, "method_not_allowed");
    assertError(send("POST", "/api/rooms/lobby/members", Map.of("Content-Type", "application/json"), bytes("{}")), 405,
        "method_not_allowed");
    assertError(get("/api/nope"), 404, "not_found");
    assertError(get("/api/rooms/lobby/other"), 404, "not_found");
    assertError(get("/api"), 404, "not_found");
  }

  @Test
  void storeDownIs503ServerBusy() throws Exception {
    Path data = dir.resolve("data");
    start(SqliteMessageStore.open(data), null);
    assertThat(postJson("/api/rooms/lobby/messages", "{\"text\":\"stored\"}").status).isEqualTo(201);
    try (Stream<Path> files = Files.walk(data)) {
      for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
    assertError(postJson("/api/rooms/lobby/messages", "{\"text\":\"lost\"}"), 503, "server_busy");
  }

  @Test
  void servesTheWebPageAndStaticFilesWithTheirTypes() throws Exception {
    start(null);
    Response index = get("/");
    assertThat(index.status).isEqualTo(200);
    assertThat(index.header("content-type")).isEqualTo("text/html; charset=utf-8");
    assertThat(index.body).isEqualTo(resource("static/index.html"));
    assertThat(get("/index.html").body).isEqualTo(index.body);
    Response css = get("/app.css");
    assertThat(css.status).isEqualTo(200);
    assertThat(css.header("content-type")).isEqualTo("text/css; charset=utf-8");
    Response js = get("/app.js");
    assertThat(js.status).isEqualTo(200);
    assertThat(js.header("content-type")).isEqualTo("text/javascript; charset=utf-8");
    assertError(get("/missing.js"), 404, "not_found");
  }

  @Test
  void traversalAttemptsNeverLeaveTheStaticFolder() throws Exception {
    start(null);
    List<String> attempts = List.of(
        "/../io/qingliao/server/http-secret.txt",
        "/%2e%2e/io/qingliao/server/http-secret.txt",
        "/%2E%2E%2Fio%2Fqingliao%2Fserver%2Fhttp-secret.txt",
        "/..%2fio/qingliao/server/http-secret.txt",
        "/static/../../io/qingliao/server/http-secret.txt",
        "/..\\io\\qingliao\\server\\http-secret.txt",
        "/%5c..%5cio%5cqingliao%5cserver%5chttp-secret.txt",
        "//io/qingliao/server/http-secret.txt",
        "/%2Fio/qingliao/server/http-secret.txt",
        "/./../io/qingliao/server/http-secret.txt",
        "/%c0%ae%c0%ae/io/qingliao/server/http-secret.txt",
        "/%252e%252e/io/qingliao/server/http-secret.txt",
        "/index.html%00.txt",
        "/file:/etc/passwd",
        "/../../../../../../etc/passwd");
    for (String attempt : attempts) {
      Response response = get(attempt);
      assertThat(response.status).as(attempt).isIn(400, 404);
      assertThat(response.body).as(attempt).doesNotContain("top secret").doesNotContain("root:");
    }
    assertThat(resource("io/qingliao/server/http-secret.txt")).contains("top secret");
  }

  @Test
  void metricsScrapeHasTheServerMetrics() throws Exception {
    start(null);
    hub.open(new RecordingTransport(), new ConnectRequest("alice", "lobby", null, OutputFormat.JSON, null));
    metrics.connectionOpened();
    postJson("/api/rooms/lobby/messages", "{\"text\":\"counted\"}");
    Response response = get("/metrics");
    assertThat(response.status).isEqualTo(200);
    assertThat(response.header("content-type")).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
    assertThat(response.body)
        .contains("qingliao_connections 1.0")
        .contains("qingliao_sessions 1.0")
        .contains("qingliao_rooms 1.0")
        .contains("qingliao_messages_in_total 1.0")
        .contains("qingliao_store_append_seconds_count{result=\"ok\"} 1")
        .contains("# TYPE qingliao_messages_out_total counter")
        .contains("# TYPE qingliao_drops_total counter")
        .contains("qingliao_errors_total{code=\"bad_request\"} 0.0");
  }

  @Test
  void servesHttpsWhenGivenAnSslContext() throws Exception {
    Path keystore = dir.resolve("server.p12");
    char[] password = "changeit".toCharArray();
    Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", "server", "-keyalg", "EC", "-dname", "CN=localhost", "-validity", "2",
        "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-storetype", "PKCS12", "-keystore", keystore.toString(),
        "-storepass", "changeit", "-keypass", "changeit").redirectErrorStream(true).start();
    String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(keytool.waitFor()).as(output).isZero();
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      store.load(in, password);
    }
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(store, password);
    SSLContext serverTls = SSLContext.getInstance("TLS");
    serverTls.init(keys.getKeyManagers(), null, null);
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(store);
    clientTls = SSLContext.getInstance("TLS");
    clientTls.init(null, trust.getTrustManagers(), null);

    Hub[] ref = new Hub[1];
    metrics = new ServerMetrics(() -> ref[0]);
    hub = Hub.builder().listener(metrics).build();
    ref[0] = hub;
    cleanup.add(hub);
    http = HttpFrontend.start(new InetSocketAddress("127.0.0.1", 0), serverTls, hub, metrics, null);

    Response health = get("/health");
    assertThat(health.status).isEqualTo(200);
    assertThat(health.json()).isEqualTo(JsonParser.parseString("{\"status\":\"ok\"}"));
    assertThat(postJson("/api/rooms/" + HALL_ENCODED + "/messages", "{\"text\":\"over TLS\"}").status).isEqualTo(201);
  }

  @Test
  void stopReleasesThePortAndIsIdempotent() throws Exception {
    start(null);
    int port = http.port();
    assertThat(port).isPositive();
    http.stop();
    http.stop();
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      socket.setSoTimeout(2000);
      socket.getOutputStream().write(bytes("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
      assertThat(socket.getInputStream().read()).isEqualTo(-1);
    } catch (IOException refused) {
      assertThat(refused).isInstanceOf(IOException.class);
    }
  }

  private Response get(String target) throws IOException {
    return client().get(target);
  }

  private Response postJson(String target, String json) throws IOException {
    return client().postJson(target, json);
  }

  private Response send(String method, String target, Map<String, String> headers, byte[] body) throws IOException {
    return client().send(method, target, headers, body);
  }

  private Response sendChunked(String method, String target, Map<String, String> headers, byte[] body)
      throws IOException {
    return client().sendChunked(method, target, headers, body);
  }

  private HttpTestClient client() {
    return new HttpTestClient(http.port(), clientTls);
  }

  private static List<Long> seqs(Response response) {
    assertThat(response.status).isEqualTo(200);
    List<Long> seqs = new ArrayList<>();
    response.json().getAsJsonObject().getAsJsonArray("messages").forEach(m -> seqs.add(m.getAsJsonObject().get("seq").getAsLong()));
    return seqs;
  }

  private static void assertError(Response response, String code) {
    assertThat(response.header("content-type")).isEqualTo("application/json; charset=utf-8");
    JsonObject body = response.json().getAsJsonObject();
    assertThat(body.get("error").getAsString()).isEqualTo(code);
    assertThat(body.get("message").getAsString()).isNotEmpty();
  }

  private static void assertError(Response response, int status, String code) {
    assertThat(response.status).as(response.body).isEqualTo(status);
    assertError(response, code);
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = HttpFrontendTest.class.getClassLoader().getResourceAsStream(name)) {
      assertThat(in).as(name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Records what the hub sends to one session. */
  static final class RecordingTransport implements SessionTransport {
    private final ConcurrentLinkedQueue<String> texts = new ConcurrentLinkedQueue<>();

    List<String> texts() {
      return List.copyOf(texts);
    }

    @Override
    public void sendText(String text) {
      texts.add(text);
    }

    @Override
    public void sendFrame(OutboundFrame frame) {
      texts.add(frame.text());
    }

    @Override
    public void sendBinary(ByteBuffer data) {}

    @Override
    public void close(int code, String reason) {}

    @Override
    public long queuedBytes() {
      return 0;
    }
  }
}
