package io.qingliao.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import io.qingliao.core.RoomName;
import io.qingliao.server.ChatServer;
import io.qingliao.server.JwtAuthenticator;
import io.qingliao.server.testing.NoLeakedThreads;
import io.qingliao.server.testing.RecordingWebSocket;
import io.qingliao.server.testing.TestServers;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The token is checked before the hub sees the connection: a refused client that asks for a
 * room in its URL never joins it, so the room's members see no join or leave, no presence, and
 * nothing it sends. (SecurityEndToEndTest covers the 4001 for each kind of bad token.)
 */
@Timeout(30)
@ExtendWith(NoLeakedThreads.class)
class AuthBeforeJoinTest {
  private static final String SECRET = "auth-before-join-secret-of-32-bytes!";
  private final List<AutoCloseable> open = new ArrayList<>();
  private ChatServer server;

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aRefusedTokenNeverReachesTheRoomItAskedFor() throws Exception {
    server = TestServers.memory().authenticator(new JwtAuthenticator(SECRET)).build().start();
    String good = JWT.create().withSubject("owner").withClaim("nick", "owner")
        .withExpiresAt(Instant.now().plusSeconds(300)).sign(Algorithm.HMAC256(SECRET));
    RecordingWebSocket owner = RecordingWebSocket.connect(server.wsPort(), "/?room=vip&token=" + good);
    open.add(owner);
    owner.awaitJson("joined");

    String expired = JWT.create().withSubject("spy").withExpiresAt(Instant.now().minusSeconds(60))
        .sign(Algorithm.HMAC256(SECRET));
    String forged = JWT.create().withSubject("owner").withClaim("nick", "owner").sign(Algorithm.HMAC256("x".repeat(40)));
    String unsigned = JWT.create().withSubject("owner").sign(Algorithm.none());
    for (String token : List.of(expired, forged, unsigned, "garbage", "")) {
      try (HostileSocket spy = HostileSocket.tcp(server.wsPort())) {
        spy.write(HostileSocket.handshake(server.wsPort(), "/?room=vip&nick=spy&token=" + token,
            token.isEmpty() ? "" : "Authorization: Bearer " + token + "\r\n"));
        assertThat(spy.readHttpHead()).startsWith("HTTP/1.1 101");
        // Frames sent at once, before the close arrives, must not reach the room either.
        try {
          spy.sendText("{\"type\":\"chat\",\"room\":\"vip\",\"text\":\"let me in\"}");
          spy.sendText("let me in");
        } catch (IOException alreadyClosed) {
          // The server may have ended the connection already: nothing got through either way.
        }
        HostileSocket.Frame first = spy.readFrame();
        assertThat(first.opcode()).as("the first frame is the close, no welcome").isEqualTo(HostileSocket.CLOSE);
        assertThat(first.closeCode()).isEqualTo(4001);
      }
    }
    owner.assertNoMessage(Duration.ofMillis(500));
    assertThat(server.hub().members(new RoomName("vip"))).containsExactly("owner");
    assertThat(server.hub().history(new RoomName("vip"), Long.MAX_VALUE, 10)).isEmpty();
    assertThat(server.hub().sessionCount()).isEqualTo(1);
    RecordingWebSocket ok = RecordingWebSocket.connect(server.wsPort(), "/?room=vip", Map.of("Authorization", "Bearer " + good));
    open.add(ok);
    ok.awaitJson("joined");
  }
}
