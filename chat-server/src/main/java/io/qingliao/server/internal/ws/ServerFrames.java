package io.qingliao.server.internal.ws;

import io.qingliao.core.OutboundFrame;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.framing.BinaryFrame;
import org.java_websocket.framing.DataFrame;
import org.java_websocket.framing.TextFrame;

/**
 * Encodes server frames (unmasked, unfragmented, no extension) with the library's RFC 6455
 * encoder into read-only buffers.
 *
 * <p>A server frame does not depend on the connection it goes to, so a broadcast is encoded once
 * ({@link #shared}) and every receiver's {@link Outbox} writes the same buffer, which nobody moves
 * (each outbox counts how much of it it has written). Read-only, so that no receiver's code can
 * change what the others get.
 */
final class ServerFrames {
  /** A draft used only to encode: it never gets a role, so it never masks. */
  private final Draft_6455 encoder = new Draft_6455();

  ByteBuffer text(String text) {
    return text(text.getBytes(StandardCharsets.UTF_8));
  }

  /** The frame of {@code frame}, encoded on first use and cached in the frame itself. */
  ByteBuffer shared(OutboundFrame frame) {
    return frame.wireForm(f -> text(f.utf8()));
  }

  ByteBuffer binary(ByteBuffer data) {
    BinaryFrame frame = new BinaryFrame();
    // The encoder moves the payload's position; work on a private view of the caller's buffer.
    frame.setPayload(data.duplicate());
    return encode(frame);
  }

  private ByteBuffer text(byte[] utf8) {
    TextFrame frame = new TextFrame();
    frame.setPayload(ByteBuffer.wrap(utf8));
    return encode(frame);
  }

  private ByteBuffer encode(DataFrame frame) {
    frame.setFin(true);
    return encoder.createBinaryFrame(frame).asReadOnlyBuffer();
  }
}
