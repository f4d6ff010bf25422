package io.qingliao.benchmarks;

import io.qingliao.core.OutboundFrame;
import io.qingliao.core.SessionTransport;
import java.nio.ByteBuffer;

/**
 * A connection that drops every frame and never queues anything ({@code queuedBytes() == 0}),
 * so that a benchmark measures the hub and not a network. It counts frames in plain fields (one
 * delivering thread at a time in these benchmarks), which also keeps the JIT from treating the
 * sends as dead code, and remembers a close so the benchmark can fail loudly.
 */
final class DiscardingTransport implements SessionTransport {
  long textFrames;
  long sharedFrames;
  volatile String closedWith;

  @Override
  public void sendText(String text) {
    textFrames++;
  }

  @Override
  public void sendFrame(OutboundFrame frame) {
    sharedFrames++;
  }

  @Override
  public void sendBinary(ByteBuffer data) {
    sharedFrames++;
  }

  @Override
  public void close(int code, String reason) {
    closedWith = code + " " + reason;
  }

  @Override
  public long queuedBytes() {
    return 0;
  }
}
