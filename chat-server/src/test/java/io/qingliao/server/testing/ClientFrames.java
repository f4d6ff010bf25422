package io.qingliao.server.testing;

import java.io.ByteArrayOutputStream;
import java.util.concurrent.ThreadLocalRandom;

/** Encodes WebSocket frames as a client sends them (RFC 6455 section 5.2), for raw-socket tests. */
public final class ClientFrames {
  private ClientFrames() {}

  /**
   * One frame: {@code firstByte} (FIN, RSV and opcode bits as given, so tests can also build
   * invalid frames), the length in its shortest form, and the payload, masked with a random key
   * when {@code masked} (a client must mask; a test of the server's refusal does not).
   */
  public static byte[] encode(int firstByte, byte[] payload, boolean masked) {
    ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
    frame.write(firstByte);
    int maskBit = masked ? 0x80 : 0;
    if (payload.length < 126) {
      frame.write(maskBit | payload.length);
    } else if (payload.length < 65_536) {
      frame.write(maskBit | 126);
      frame.write(payload.length >>> 8);
      frame.write(payload.length & 0xff);
    } else {
      frame.write(maskBit | 127);
      for (int shift = 56; shift >= 0; shift -= 8) {
        frame.write((int) ((long) payload.length >>> shift) & 0xff);
      }
    }
    if (!masked) {
      frame.writeBytes(payload);
      return frame.toByteArray();
    }
    byte[] mask = new byte[4];
    ThreadLocalRandom.current().nextBytes(mask);
    frame.writeBytes(mask);
    for (int i = 0; i < payload.length; i++) {
      frame.write(payload[i] ^ mask[i % 4]);
    }
    return frame.toByteArray();
  }
}
