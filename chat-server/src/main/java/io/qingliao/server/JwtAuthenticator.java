package io.qingliao.server;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.interfaces.Claim;
import com.auth0.jwt.interfaces.DecodedJWT;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepts JSON Web Tokens signed with HMAC-SHA256 ({@code HS256}) and a shared secret.
 *
 * <p>A token is accepted when its signature verifies with the secret, its header names
 * {@code HS256} (so {@code none} and every other algorithm are refused), it has a non-blank
 * {@code sub}, and it is inside its {@code exp} / {@code nbf} / {@code iat} window, give or take
 * {@link #LEEWAY_SECONDS} of clock skew. The identity's subject is {@code sub}; its nick is the
 * string claim {@code nick} when present and else {@code sub}. Anything else — no token, a
 * malformed one, a wrong key, an expired one — is refused, and the server closes with 4001.
 *
 * <p>Neither the token nor the secret is ever logged. Thread-safe.
 */
public final class JwtAuthenticator implements Authenticator {
  /** Clock skew tolerated on {@code exp}, {@code nbf} and {@code iat}. */
  public static final long LEEWAY_SECONDS = 30;

  /** Longest token considered; longer ones are refused without parsing. */
  static final int MAX_TOKEN_CHARS = 8192;

  private static final Logger log = LoggerFactory.getLogger(JwtAuthenticator.class);

  private final JWTVerifier verifier;

  /**
   * @param secret the shared HS256 secret, as UTF-8; RFC 7518 asks for at least 32 bytes
   * @throws IllegalArgumentException if the secret is null or empty
   */
  public JwtAuthenticator(String secret) {
    Objects.requireNonNull(secret, "secret");
    if (secret.isEmpty()) {
      throw new IllegalArgumentException("JWT secret must not be empty");
    }
    this.verifier = JWT.require(Algorithm.HMAC256(secret.getBytes(StandardCharsets.UTF_8)))
        .acceptLeeway(LEEWAY_SECONDS)
        .build();
  }

  @Override
  public Optional<Identity> authenticate(String token) {
    if (token == null || token.isBlank() || token.length() > MAX_TOKEN_CHARS) {
      return Optional.empty();
    }
    DecodedJWT jwt;
    try {
      jwt = verifier.verify(token.strip());
    } catch (JWTVerificationException e) {
      // The exception's class names the reason (expired, bad signature, ...); its message and
      // the token stay out of the log.
      log.debug("token refused: {}", e.getClass().getSimpleName());
      return Optional.empty();
    }
    String subject = jwt.getSubject();
    if (subject == null || subject.isBlank()) {
      log.debug("token refused: no subject");
      return Optional.empty();
    }
    Claim nickClaim = jwt.getClaim("nick");
    String nick = nickClaim.isMissing() || nickClaim.isNull() ? null : nickClaim.asString();
    return Optional.of(new Identity(subject, nick != null ? nick : subject));
  }

  @Override
  public String toString() {
    return "JwtAuthenticator[HS256]";
  }
}
