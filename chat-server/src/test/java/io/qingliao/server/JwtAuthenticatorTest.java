package io.qingliao.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTCreator;
import com.auth0.jwt.algorithms.Algorithm;
import io.qingliao.server.testing.NoLeakedThreads;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@Timeout(10)
@ExtendWith(NoLeakedThreads.class)
class JwtAuthenticatorTest {
  private static final String SECRET = "a-test-secret-that-is-at-least-32-bytes-long";
  private final JwtAuthenticator auth = new JwtAuthenticator(SECRET);

  private static JWTCreator.Builder token() {
    return JWT.create().withExpiresAt(Instant.now().plus(Duration.ofMinutes(5)));
  }

  private static String sign(JWTCreator.Builder builder) {
    return builder.sign(Algorithm.HMAC256(SECRET));
  }

  @Test
  void validTokenGivesSubjectAndNickClaim() {
    String jwt = sign(token().withSubject("user-42").withClaim("nick", "小明"));
    assertThat(auth.authenticate(jwt)).contains(new Identity("user-42", "小明"));
  }

  @Test
  void nickDefaultsToSubject() {
    String jwt = sign(token().withSubject("alice"));
    assertThat(auth.authenticate(jwt)).contains(new Identity("alice", "alice"));
  }

  @Test
  void nonStringNickClaimFallsBackToSubject() {
    String jwt = sign(token().withSubject("bob").withClaim("nick", 7));
    assertThat(auth.authenticate(jwt)).contains(new Identity("bob", "bob"));
  }

  @Test
  void tokenWithoutExpiryIsAccepted() {
    String jwt = sign(JWT.create().withSubject("service"));
    assertThat(auth.authenticate(jwt)).map(Identity::subject).contains("service");
  }

  @Test
  void expiredTokenIsRefused() {
    String jwt = sign(JWT.create().withSubject("alice")
        .withExpiresAt(Instant.now().minus(Duration.ofMinutes(5))));
    assertThat(auth.authenticate(jwt)).isEmpty();
  }

  @Test
  void expiryWithinLeewayIsAccepted() {
    String jwt = sign(JWT.create().withSubject("alice")
        .withExpiresAt(Instant.now().minusSeconds(JwtAuthenticator.LEEWAY_SECONDS / 3)));
    assertThat(auth.authenticate(jwt)).isPresent();
  }

  @Test
  void notYetValidTokenIsRefused() {
    String jwt = sign(token().withSubject("alice").withNotBefore(Instant.now().plus(Duration.ofMinutes(5))));
    assertThat(auth.authenticate(jwt)).isEmpty();
  }

  @Test
  void notBeforeWithinLeewayIsAccepted() {
    String jwt = sign(token().withSubject("alice")
        .withNotBefore(Instant.now().plusSeconds(JwtAuthenticator.LEEWAY_SECONDS / 3)));
    assertThat(auth.authenticate(jwt)).isPresent();
  }

  @Test
  void wrongKeyIsRefused() {
    String jwt = token().withSubject("alice").sign(Algorithm.HMAC256("another-secret-also-32-bytes-long!!"));
    assertThat(auth.authenticate(jwt)).isEmpty();
  }

  @Test
  void otherHmacAlgorithmWithTheSameSecretIsRefused() {
    String jwt = token().withSubject("alice").sign(Algorithm.HMAC512(SECRET));
    assertThat(auth.authenticate(jwt)).isEmpty();
  }

  @Test
  void noneAlgorithmIsRefused() {
    String unsigned = token().withSubject("alice").sign(Algorithm.none());
    assertThat(auth.authenticate(unsigned)).isEmpty();
    // Also with a signature part copied from a genuine token.
    String genuine = sign(token().withSubject("mallory"));
    String forged = unsigned.substring(0, unsigned.lastIndexOf('.') + 1)
        + genuine.substring(genuine.lastIndexOf('.') + 1);
    assertThat(auth.authenticate(forged)).isEmpty();
  }

  @Test
  void tamperedPayloadIsRefused() {
    String jwt = sign(token().withSubject("alice").withClaim("nick", "alice"));
    String[] parts = jwt.split("\\.");
    String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
        .replace("\"alice\"", "\"admin\"");
    String tampered = parts[0] + "."
        + Base64.getUrlEncoder().withoutPadding().encodeToString(payload.getBytes(StandardCharsets.UTF_8))
        + "." + parts[2];
    assertThat(auth.authenticate(tampered)).isEmpty();
  }

  @Test
  void missingSubjectIsRefused() {
    assertThat(auth.authenticate(sign(token().withClaim("nick", "ghost")))).isEmpty();
    assertThat(auth.authenticate(sign(token().withSubject("  ")))).isEmpty();
  }

  @Test
  void malformedOrAbsentTokensAreRefused() {
    assertThat(auth.authenticate(null)).isEmpty();
    assertThat(auth.authenticate("")).isEmpty();
    assertThat(auth.authenticate("not-a-jwt")).isEmpty();
    assertThat(auth.authenticate("a.b.c")).isEmpty();
    assertThat(auth.authenticate("Bearer " + sign(token().withSubject("alice")))).isEmpty();
    assertThat(auth.authenticate(sign(token().withSubject("alice").withClaim("pad", "x".repeat(10_000)))))
        .isEmpty();
  }

  @Test
  void surroundingWhiteSpaceIsIgnored() {
    String jwt = sign(token().withSubject("alice"));
    assertThat(auth.authenticate(" " + jwt + "\n")).map(Identity::nick).isEqualTo(Optional.of("alice"));
  }

  @Test
  void emptySecretIsAProgrammerError() {
    assertThatThrownBy(() -> new JwtAuthenticator("")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new JwtAuthenticator(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void anonymousAcceptsEveryone() {
    assertThat(Authenticator.anonymous().authenticate(null)).contains(Identity.anonymous());
    assertThat(Authenticator.anonymous().authenticate("anything")).contains(new Identity(null, null));
    assertThat(Identity.anonymous().isAnonymous()).isTrue();
  }
}
