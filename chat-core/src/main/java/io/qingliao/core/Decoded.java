package io.qingliao.core;

import java.util.Objects;

/**
 * The outcome of decoding a frame: either a value or a {@link ProtocolError}, never both.
 * Decoders return this instead of throwing.
 */
public record Decoded<T>(T value, ProtocolError error) {
  public Decoded {
    if ((value == null) == (error == null)) {
      throw new IllegalArgumentException("exactly one of value and error must be set");
    }
  }

  public static <T> Decoded<T> ok(T value) {
    return new Decoded<>(Objects.requireNonNull(value, "value"), null);
  }

  public static <T> Decoded<T> fail(ProtocolError error) {
    return new Decoded<>(null, Objects.requireNonNull(error, "error"));
  }

  public boolean isOk() {
    return value != null;
  }
}
