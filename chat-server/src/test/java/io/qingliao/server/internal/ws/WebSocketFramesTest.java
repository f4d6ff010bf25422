package io.qingliao.server.internal.ws;

import static org.assertj.core.api.Assertions.assertThat;

import io.qingliao.core.OutboundFrame;
import io.qingliao.server.testing.NoLeakedThreads;
import java.nio.ByteBuffer;
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
  void aBroadcastIsEncodedOnceAndEveryReceiverGetsItsOwnViewOfTheSameBytes() {
    OutboundFrame broadcast = new OutboundFrame("{\"type\":\"chat\",\"text\":\"大家好\"}");

    ByteBuffer first = frames.shared(broadcast);
    ByteBuffer second = frames.shared(broadcast);

    assertThat(first).isNotSameAs(second).isEqualTo(second);
    assertThat(first.isReadOnly()).isTrue();
    Object cached = broadcast.wireForm(f -> {
      throw new AssertionError("encoded twice");
    });
    assertThat(cached).isInstanceOf(ByteBuffer.class);
    first.position(first.limit()); // the selector wrote the first receiver's copy
    assertThat(second.remaining()).isEqualTo(2 + broadcast.utf8().length);
    assertThat(frames.shared(broadcast).remaining()).isEqualTo(second.remaining());
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
