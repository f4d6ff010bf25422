package io.qingliao.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.qingliao.core.RoomName;
import io.qingliao.server.SecurityTestSupport.HttpAnswer;
import io.qingliao.server.SecurityTestSupport.RecordingClient;
import io.qingliao.server.testing.NoLeakedThreads;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Authentication, origin checks and the admin token, over real sockets. */
@Timeout(60)
@ExtendWith(NoLeakedThreads.class)
class SecurityEndToEndTest {
  private static final String SECRET = "end-to-end-secret-of-at-least-32-bytes";
  private static final String ADMIN_TOKEN = "admin-token-5e1f";
  private static final String ALLOWED_ORIGIN = "https://chat.example.com";

  private ChatServer server;
  private final List<RecordingClient> clients = new ArrayList<>();

  @BeforeEach
  void start() {
    server = ChatServer.builder()
        .host("127.0.0.1")
        .wsPort(0)
        .httpPort(0)
        .memoryStore()
        .authenticator(new JwtAuthenticator(SECRET))
        .origins(List.of(ALLOWED_ORIGIN, "http://localhost:3000"))
        .adminToken(ADMIN_TOKEN)
        .build()
        .start();
  }

  @AfterEach
  void stop() throws InterruptedException {
    for (RecordingClient client : clients) {
      client.shutdown();
    }
    server.stop(Duration.ofSeconds(5));
  }

  private static String token(String subject, String nick) {
    var builder = JWT.create().withSubject(subject).withExpiresAt(Instant.now().plusSeconds(300));
    if (nick != null) {
      builder.withClaim("nick", nick);
    }
    return builder.sign(Algorithm.HMAC256(SECRET));
  }

  private RecordingClient connect(String query, Map<String, String> headers) throws InterruptedException {
    RecordingClient client = attempt(query, headers);
    assertThat(client.isOpen() || !client.messages.isEmpty()).as("handshake").isTrue();
    return client;
  }

  /** Connects and waits for the handshake's outcome; the server may already have closed. */
  private RecordingClient attempt(String query, Map<String, String> headers) throws InterruptedException {
    RecordingClient client = new RecordingClient(
        URI.create("ws://127.0.0.1:" + server.wsPort() + "/" + query), headers);
    clients.add(client);
    client.connectBlocking(10, TimeUnit.SECONDS);
    return client;
  }

  private static JsonObject json(String frame) {
    return JsonParser.parseString(frame).getAsJsonObject();
  }

  private static String q(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  @Test
  void tokenInQueryGivesWelcomeWithTheTokensNick() throws Exception {
    RecordingClient client = connect("?token=" + q(token("u-1", "小明")), Map.of("Origin", ALLOWED_ORIGIN));

    assertThat(json(client.awaitType("welcome")).get("nick").getAsString()).isEqualTo("小明");
  }

  @Test
  void bearerHeaderGivesWelcomeWithTheTokensNick() throws Exception {
    RecordingClient client = connect("?room=" + q("大厅"),
        Map.of("Origin", ALLOWED_ORIGIN, "Authorization", "Bearer " + token("u-2", "Alice")));

    assertThat(json(client.awaitType("welcome")).get("nick").getAsString()).isEqualTo("Alice");
    assertThat(json(client.awaitType("joined")).get("room").getAsString()).isEqualTo("大厅");
  }

  @Test
  void tokenWithoutNickClaimUsesTheSubject() throws Exception {
    RecordingClient client = connect("?token=" + q(token("bob", null)), Map.of("Origin", ALLOWED_ORIGIN));

    assertThat(json(client.awaitType("welcome")).get("nick").getAsString()).isEqualTo("bob");
  }

  @Test
  void sameSubjectMayShareANickOtherSubjectsMayNot() throws Exception {
    String carol = token("carol", "Carol");
    RecordingClient first = connect("?token=" + q(carol), Map.of("Origin", ALLOWED_ORIGIN));
    assertThat(json(first.awaitType("welcome")).get("nick").getAsString()).isEqualTo("Carol");
    RecordingClient second = connect("?token=" + q(carol), Map.of("Origin", ALLOWED_ORIGIN));
    assertThat(json(second.awaitType("welcome")).get("nick").getAsString()).isEqualTo("Carol");

    RecordingClient impostor = connect("?token=" + q(token("mallory", "Carol")), Map.of("Origin", ALLOWED_ORIGIN));
    assertThat(json(impostor.awaitType("welcome")).get("nick").getAsString()).isNotEqualTo("Carol");
    assertThat(json(impostor.awaitType("error")).get("code").getAsString()).isEqualTo("nick_taken");
  }

  @Test
  void badTokensCloseWith4001BeforeAnyWelcome() throws Exception {
    String expired = JWT.create().withSubject("u-3").withExpiresAt(Instant.now().minusSeconds(3600))
        .sign(Algorithm.HMAC256(SECRET));
    String wrongKey = JWT.create().withSubject("u-3").sign(Algorithm.HMAC256("some-other-secret-32-bytes-long!!!"));
    List<RecordingClient> refused = List.of(
        attempt("?token=not-a-jwt", Map.of("Origin", ALLOWED_ORIGIN)),
        attempt("?token=" + q(expired), Map.of("Origin", ALLOWED_ORIGIN)),
        attempt("", Map.of("Origin", ALLOWED_ORIGIN, "Authorization", "Bearer " + wrongKey)),
        attempt("?nick=anon", Map.of("Origin", ALLOWED_ORIGIN)));

    for (RecordingClient client : refused) {
      assertThat(client.awaitClose()).isEqualTo(4001);
      assertThat(client.messages).noneMatch(m -> m.contains("welcome"));
    }
    assertThat(server.hub().sessionCount()).isZero();
  }

  @Test
  void disallowedOriginIsRefusedAtTheHandshakeWith403() throws Exception {
    String query = "/?token=" + q(token("u-4", "Dora"));

    assertThat(SecurityTestSupport.upgradeStatusLine(server.wsPort(), query,
        Map.of("Origin", "https://evil.example"))).startsWith("HTTP/1.1 403");
    assertThat(SecurityTestSupport.upgradeStatusLine(server.wsPort(), query,
        Map.of("Origin", "http://localhost:3000"))).startsWith("HTTP/1.1 101");
    assertThat(SecurityTestSupport.upgradeStatusLine(server.wsPort(), query,
        Map.of("Origin", ALLOWED_ORIGIN))).startsWith("HTTP/1.1 101");
  }

  @Test
  void allowedOriginConnectsWithAClient() throws Exception {
    RecordingClient client = connect("?token=" + q(token("u-5", "Eve")), Map.of("Origin", ALLOWED_ORIGIN));

    assertThat(json(client.awaitType("welcome")).get("nick").getAsString()).isEqualTo("Eve");
  }

  @Test
  void adminTokenGuardsPublishing() throws Exception {
    String url = "http://127.0.0.1:" + server.httpPort() + "/api/rooms/news/messages";
    String body = "{\"from\":\"ops\",\"text\":\"maintenance at noon\"}";

    HttpAnswer none = SecurityTestSupport.http("POST", url, Map.of(), body, null);
    HttpAnswer wrong = SecurityTestSupport.http("POST", url,
        Map.of("Authorization", "Bearer not-" + ADMIN_TOKEN), body, null);
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.body()).contains("\"error\"");
    assertThat(wrong.status()).isEqualTo(401);
    assertThat(server.hub().history(new RoomName("news"), Long.MAX_VALUE, 10)).isEmpty();

    HttpAnswer ok = SecurityTestSupport.http("POST", url,
        Map.of("Authorization", "Bearer " + ADMIN_TOKEN), body, null);
    assertThat(ok.status()).isEqualTo(201);
    JsonObject chat = json(ok.body());
    assertThat(chat.get("text").getAsString()).isEqualTo("maintenance at noon");
    assertThat(chat.get("from").getAsString()).isEqualTo("ops");
    assertThat(chat.get("seq").getAsLong()).isEqualTo(1);
  }

  @Test
  void readingTheHttpApiNeedsNoAdminToken() throws Exception {
    HttpAnswer health = SecurityTestSupport.http("GET",
        "http://127.0.0.1:" + server.httpPort() + "/health", Map.of(), null, null);

    assertThat(health.status()).isEqualTo(200);
  }
}
