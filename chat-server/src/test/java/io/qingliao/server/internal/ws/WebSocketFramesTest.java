package io.qingliao.server.internal.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.qingliao.core.OutboundFrame;
import io.qingliao.server.testing.NoLeakedThreads;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Server frames: RFC 6455 bytes, a broadcast encoded once and shared by every receiver. */
@Timeout(10)
@ExtendWith(NoLeakedThreads.class)
class WebSocketFramesTest {
  private final ServerFrames frames = new ServerFrames();

  @Test
  void aBroadcastIsEncodedOnceIntoOneReadOnlyBufferThatEveryReceiverShares() {
    OutboundFrame broadcast = new OutboundFrame("{\"type\":\"chat\",\"text\":\"大家好\"}");

    ByteBuffer first = frames.shared(broadcast);
    ByteBuffer second = frames.shared(broadcast);

    // One buffer for every receiver: each Outbox counts how much of it it wrote and never
    // moves its position, so nothing per receiver is allocated.
    assertThat(first).isSameAs(second);
    assertThat(first.isReadOnly()).isTrue();
    Object cached = broadcast.wireForm(f -> {
      throw new AssertionError("encoded twice");
    });
    assertThat(cached).isSameAs(first);
    assertThat(first.position()).isZero();
    assertThat(first.remaining()).isEqualTo(2 + broadcast.utf8().length);
    assertThat(first.get(0)).isEqualTo((byte) 0x81); // FIN + text, unmasked, unfragmented
    assertThatThrownBy(() -> first.put(0, (byte) 0)).isInstanceOf(ReadOnlyBufferException.class);
  }


  @Test
  void textFramesAreUnmaskedFinalFramesWithTheRightLengthEncoding() {
    for (int size : new int[] {0, 125, 126, 65_535, 65_536, 70_000}) {
      ByteBuffer frame = frames.text("a".repeat(size));

      assertThat(frame.get(0) & 0xff).as("FIN + text opcode").isEqualTo(0x81);
      int lengthByte = frame.get(1) & 0xff;
      assertThat(lengthByte & 0x80).as("mask bit").isZero();
      int header = size < 126 ? 2 : size < 65_536 ? 4 : 10;
      assertThat(frame.remaining()).isEqualTo(header + size);
      if (size < 126) {
        assertThat(lengthByte).isEqualTo(size);
      } else if (size < 65_536) {
        assertThat(lengthByte).isEqualTo(126);
        assertThat(frame.getShort(2) & 0xffff).isEqualTo(size);
      } else {
        assertThat(lengthByte).isEqualTo(127);
        assertThat(frame.getLong(2)).isEqualTo(size);
      }
    }
  }

  @Test
  void binaryFramesCopyTheRemainingBytesAndLeaveTheCallersBufferAlone() {
    ByteBuffer data = ByteBuffer.wrap("xxpayload".getBytes(StandardCharsets.US_ASCII));
    data.position(2);

    ByteBuffer frame = frames.binary(data);

    assertThat(data.position()).isEqualTo(2);
    assertThat(data.limit()).isEqualTo(9);
    assertThat(frame.get(0) & 0xff).as("FIN + binary opcode").isEqualTo(0x82);
    assertThat(frame.get(1) & 0xff).isEqualTo(7);
    byte[] payload = new byte[7];
    frame.position(2);
    frame.get(payload);
    assertThat(new String(payload, StandardCharsets.US_ASCII)).isEqualTo("payload");
  }
}
