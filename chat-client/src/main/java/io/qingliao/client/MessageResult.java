package io.qingliao.client;

import java.util.Arrays;
import java.util.Objects;

/**
 * What {@link SocketTask#onMessage} receives: {@code {data}}, a {@link String} for a text frame
 * and a {@code byte[]} (the stand-in for {@code ArrayBuffer}) for a binary frame.
 *
 * <p>As in JavaScript, every listener gets the same object; {@link #bytes()} returns a copy.
 */
public record MessageResult(Object data) {
  public MessageResult {
    Objects.requireNonNull(data, "data");
    if (!(data instanceof String) && !(data instanceof byte[])) {
      throw new IllegalArgumentException("data must be a String or a byte[]: " + data.getClass());
    }
  }

  /** True if this came in a binary frame. */
  public boolean isBinary() {
    return data instanceof byte[];
  }

  /** The text of a text frame. */
  public String text() {
    if (data instanceof String s) {
      return s;
    }
    throw new IllegalStateException("binary message, use bytes()");
  }

  /** A copy of the payload of a binary frame. */
  public byte[] bytes() {
    if (data instanceof byte[] b) {
      return b.clone();
    }
    throw new IllegalStateException("text message, use text()");
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof MessageResult other)) {
      return false;
    }
    if (data instanceof byte[] b && other.data instanceof byte[] ob) {
      return Arrays.equals(b, ob);
    }
    return data.equals(other.data);
  }

  @Override
  public int hashCode() {
    return data instanceof byte[] b ? Arrays.hashCode(b) : data.hashCode();
  }

  @Override
  public String toString() {
    if (data instanceof byte[] b) {
      return "MessageResult[binary " + b.length + " bytes]";
    }
    return "MessageResult[data=" + data + "]";
  }
}
