package io.qingliao.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import io.qingliao.server.testing.NoLeakedThreads;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Main in a child JVM with a JWT secret and an admin token, logging at DEBUG: clients present
 * bad, expired and stolen-looking credentials (some of them the secrets themselves), and
 * nothing the process prints, from start to a graceful stop, contains either secret.
 */
@Timeout(90)
@ExtendWith(NoLeakedThreads.class)
class SecretsStayOutOfLogsTest {
  private static final String JWT_SECRET = "jwt-secret-7f3a9c2e51b04d86a1e9-never-log";
  private static final String ADMIN_TOKEN = "admin-token-c0ffee-4b1d-never-log";

  @Test
  void neitherTheJwtSecretNorTheAdminTokenAppearsInTheOutput() throws Exception {
    try (ChildServer child = ChildServer.start(List.of("-Dorg.slf4j.simpleLogger.log.io.qingliao=debug"),
        List.of("--host", "127.0.0.1", "--ws-port", "0", "--http-port", "0", "--store", "memory",
            "--jwt-secret", JWT_SECRET, "--admin-token", ADMIN_TOKEN))) {
      int ws = child.wsPort();
      String expired = JWT.create().withSubject("u1").withExpiresAt(Instant.now().minusSeconds(60))
          .sign(Algorithm.HMAC256(JWT_SECRET));
      String wrongKey = JWT.create().withSubject("u1").sign(Algorithm.HMAC256("another-secret-of-32-bytes-at-least"));
      for (String token : List.of(JWT_SECRET, ADMIN_TOKEN, expired, wrongKey, "not.a.jwt", expired + JWT_SECRET)) {
        try (HostileSocket s = HostileSocket.upgraded(ws, "/?token=" + token.replace("+", "%2B"))) {
          assertThat(s.awaitCloseCode()).as("token %s", token).isEqualTo(4001);
        }
      }
      try (HostileSocket s = HostileSocket.tcp(ws)) {
        s.write(HostileSocket.handshake(ws, "/", "Authorization: Bearer " + JWT_SECRET + "\r\n"));
        assertThat(s.readHttpHead()).startsWith("HTTP/1.1 101");
        assertThat(s.awaitCloseCode()).isEqualTo(4001);
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (child.httpPort() < 0 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      for (String bearer : List.of(JWT_SECRET, ADMIN_TOKEN + "x", ADMIN_TOKEN)) {
        String status = post(child.httpPort(), bearer);
        assertThat(status).as("POST with %s", bearer).startsWith(bearer.equals(ADMIN_TOKEN) ? "HTTP/1.1 201" : "HTTP/1.1 401");
      }
      child.terminate();
      String output = child.output();
      assertThat(output).as("debug logging was on").contains("unauthorized");
      assertThat(output).doesNotContain(JWT_SECRET).doesNotContain(ADMIN_TOKEN)
          .doesNotContain(JWT_SECRET.substring(0, 16)).doesNotContain(ADMIN_TOKEN.substring(0, 16));
    }
  }

  private static String post(int port, String bearer) throws IOException {
    byte[] body = "{\"text\":\"from ops\"}".getBytes(StandardCharsets.UTF_8);
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(5_000);
      socket.getOutputStream().write(("POST /api/rooms/news/messages HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
          + "Content-Type: application/json\r\nAuthorization: Bearer " + bearer + "\r\nContent-Length: " + body.length
          + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().write(body);
      String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      return answer.lines().findFirst().orElse("");
    }
  }
}
