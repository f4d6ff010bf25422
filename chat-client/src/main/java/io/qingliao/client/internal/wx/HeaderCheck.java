package io.qingliao.client.internal.wx;

import java.util.Objects;
import okhttp3.Headers;

/** Checks a handshake header the way OkHttp will, so a bad one throws where it was written. */
public final class HeaderCheck {
  private HeaderCheck() {
  }

  /** Throws {@link IllegalArgumentException} if OkHttp would refuse the header. */
  public static void check(String name, String value) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
    new Headers.Builder().add(name, value);
  }
}
