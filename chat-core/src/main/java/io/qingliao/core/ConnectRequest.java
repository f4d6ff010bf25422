package io.qingliao.core;

/**
 * What a client asked for when it connected, as raw strings from the URL query (the hub
 * validates them and answers bad values on the wire, as the protocol says), plus the
 * authenticated subject the transport established, if any.
 *
 * @param nick requested nick, or null for a {@code guest-N}
 * @param room room to join right away, or null for {@code lobby}
 * @param since raw {@code since} value, or null
 * @param format output format
 * @param subject authenticated user id (JWT {@code sub}), or null when anonymous; sessions with
 *     the same subject may share a nick
 */
public record ConnectRequest(String nick, String room, String since, OutputFormat format, String subject) {
  public ConnectRequest {
    if (format == null) {
      format = OutputFormat.JSON;
    }
  }

  /** A JSON session with the default nick and room. */
  public static ConnectRequest defaults() {
    return new ConnectRequest(null, null, null, OutputFormat.JSON, null);
  }
}
