package io.qingliao.server;

import java.util.Optional;

/**
 * Decides who may connect. The server calls it once per WebSocket handshake with the credential
 * the client sent ({@code ?token=} in the URL, or {@code Authorization: Bearer …}); an empty
 * answer refuses the connection, which the server closes with 4001 {@code unauthorized}.
 *
 * <p>Implementations are called on network threads: they must be thread-safe and must not
 * block for long (no remote calls without a short timeout).
 */
@FunctionalInterface
public interface Authenticator {

  /**
   * Returns the identity behind {@code token}, or empty to refuse the connection.
   *
   * @param token the credential as sent, or null when the client sent none
   */
  Optional<Identity> authenticate(String token);

  /** Accepts every connection, with or without a token, as {@link Identity#anonymous()}. */
  static Authenticator anonymous() {
    return token -> Optional.of(Identity.anonymous());
  }
}
