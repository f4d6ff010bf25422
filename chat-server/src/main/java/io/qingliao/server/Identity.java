package io.qingliao.server;

/**
 * Who is behind a connection, as established by an {@link Authenticator}.
 *
 * @param subject stable user id (a JWT's {@code sub}), or null when anonymous; sessions with the
 *     same subject may share a nick
 * @param nick nick to use for the session, or null to take the one from the URL (or a
 *     {@code guest-N})
 */
public record Identity(String subject, String nick) {
  private static final Identity ANONYMOUS = new Identity(null, null);

  /** The identity of a connection nobody vouched for: no subject, no nick. */
  public static Identity anonymous() {
    return ANONYMOUS;
  }

  /** True when this identity has no subject. */
  public boolean isAnonymous() {
    return subject == null;
  }
}
