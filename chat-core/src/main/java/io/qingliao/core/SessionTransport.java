package io.qingliao.core;

import java.nio.ByteBuffer;

/**
 * The only seam between the hub and a network: one live connection as the transport sees it.
 * Every method must be non-blocking and safe to call from any thread, and must not throw when
 * the connection is already closed (it then does nothing).
 */
public interface SessionTransport {

  /** Sends a text frame to this session alone. */
  void sendText(String text);

  /** Sends a frame shared with other receivers (a room broadcast encoded once). */
  void sendFrame(OutboundFrame frame);

  /** Sends a binary frame. The transport must not modify {@code data}'s content. */
  void sendBinary(ByteBuffer data);

  /** Closes the connection with a close code from {@link CloseCodes} and a reason. */
  void close(int code, String reason);

  /** Bytes handed to this transport and not yet written to the network. */
  long queuedBytes();
}
