package io.qingliao.core;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.Function;

/**
 * A text frame encoded once and shared by every receiver of a broadcast. A transport may turn
 * it into its own wire form once and cache that here ({@link #wireForm}), so that a fan-out to
 * a thousand sessions writes the same bytes a thousand times instead of encoding them again.
 */
public final class OutboundFrame {
  private final String text;
  private volatile byte[] utf8;
  private volatile Object wireForm;

  public OutboundFrame(String text) {
    this.text = Objects.requireNonNull(text, "text");
  }

  /** The frame's text. */
  public String text() {
    return text;
  }

  /** The frame's text in UTF-8, computed once. Callers must not modify the array. */
  public byte[] utf8() {
    byte[] bytes = utf8;
    if (bytes == null) {
      bytes = text.getBytes(StandardCharsets.UTF_8);
      utf8 = bytes;
    }
    return bytes;
  }

  /**
   * The transport's own encoding of this frame, made by {@code encoder} on first use and then
   * reused. Only one transport type should use a given frame; a race may encode twice, which is
   * harmless because the encoder is a pure function of the frame.
   */
  @SuppressWarnings("unchecked")
  public <T> T wireForm(Function<OutboundFrame, T> encoder) {
    Object cached = wireForm;
    if (cached == null) {
      cached = encoder.apply(this);
      wireForm = cached;
    }
    return (T) cached;
  }

  @Override
  public String toString() {
    return text;
  }
}
