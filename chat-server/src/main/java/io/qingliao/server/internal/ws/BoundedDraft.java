package io.qingliao.server.internal.ws;

import java.nio.ByteBuffer;
import java.util.List;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.drafts.Draft;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.enums.Opcode;
import org.java_websocket.exceptions.InvalidDataException;
import org.java_websocket.exceptions.InvalidFrameException;
import org.java_websocket.exceptions.LimitExceededException;
import org.java_websocket.framing.Framedata;

/**
 * RFC 6455 with a bound on fragmented messages. Java-WebSocket 1.6.0 checks the size of a
 * fragmented message only at its first and last frame: the fragments in between are buffered
 * without any check, so a client that never sends the final fragment (or sends empty ones
 * forever) grows the server's memory without bound. Here every fragment counts at once: the
 * message closes with 1009 as soon as its payload passes the limit or it has more than
 * {@link #MAX_FRAGMENTS} fragments (each one costs the server a buffer, payload or not).
 *
 * <p>It also closes with 1002 on a client frame that is not masked, as RFC 6455 (section 5.1)
 * requires and the library does not check: {@link #translateFrame} follows the frame headers in
 * the raw bytes before the library decodes them.
 *
 * <p>The library copies the draft for each connection ({@link #copyInstance}), and calls
 * {@link #translateFrame} and {@link #processFrame} from that connection's one decoding thread,
 * so the state here needs no lock.
 */
final class BoundedDraft extends Draft_6455 {
  /** Most fragments one message may arrive in. */
  static final int MAX_FRAGMENTS = 4_096;

  private final int maxMessageBytes;
  private long messageBytes;
  private int fragments;

  // Where the raw byte stream is within the current frame, for the mask check.
  private enum Part { FIRST_BYTE, LENGTH_BYTE, EXTENDED_LENGTH, MASK_KEY, PAYLOAD, UNCHECKED }

  private Part part = Part.FIRST_BYTE;
  private int partBytesLeft;
  private long payloadLeft;

  BoundedDraft(int maxMessageBytes) {
    super(List.of(), maxMessageBytes);
    this.maxMessageBytes = maxMessageBytes;
  }

  @Override
  public Draft copyInstance() {
    return new BoundedDraft(maxMessageBytes);
  }

  @Override
  public List<Framedata> translateFrame(ByteBuffer buffer) throws InvalidDataException {
    checkMasks(buffer.duplicate());
    return super.translateFrame(buffer);
  }

  /** Walks the frame headers in {@code bytes} (new bytes of the stream); throws at an unmasked frame. */
  private void checkMasks(ByteBuffer bytes) throws InvalidFrameException {
    while (bytes.hasRemaining()) {
      switch (part) {
        case FIRST_BYTE -> {
          bytes.get();
          part = Part.LENGTH_BYTE;
        }
        case LENGTH_BYTE -> {
          int b = bytes.get() & 0xff;
          if ((b & 0x80) == 0) {
            throw new InvalidFrameException("client frame is not masked");
          }
          int length = b & 0x7f;
          payloadLeft = length < 126 ? length : 0;
          partBytesLeft = length == 126 ? 2 : length == 127 ? 8 : 4;
          part = length < 126 ? Part.MASK_KEY : Part.EXTENDED_LENGTH;
        }
        case EXTENDED_LENGTH -> {
          payloadLeft = payloadLeft << 8 | (bytes.get() & 0xff);
          if (--partBytesLeft == 0) {
            // A negative or absurd length is the library's to refuse; stop following the stream.
            part = payloadLeft < 0 || payloadLeft > Integer.MAX_VALUE ? Part.UNCHECKED : Part.MASK_KEY;
            partBytesLeft = 4;
          }
        }
        case MASK_KEY -> {
          bytes.get();
          if (--partBytesLeft == 0) {
            part = payloadLeft == 0 ? Part.FIRST_BYTE : Part.PAYLOAD;
          }
        }
        case PAYLOAD -> {
          int skip = (int) Math.min(payloadLeft, bytes.remaining());
          bytes.position(bytes.position() + skip);
          payloadLeft -= skip;
          if (payloadLeft == 0) {
            part = Part.FIRST_BYTE;
          }
        }
        case UNCHECKED -> {
          return;
        }
      }
    }
  }

  @Override
  public void processFrame(WebSocketImpl conn, Framedata frame) throws InvalidDataException {
    Opcode opcode = frame.getOpcode();
    boolean starts = (opcode == Opcode.TEXT || opcode == Opcode.BINARY) && !frame.isFin();
    if (starts || opcode == Opcode.CONTINUOUS) {
      if (starts) {
        messageBytes = 0;
        fragments = 0;
      }
      messageBytes += frame.getPayloadData().remaining();
      fragments++;
      if (messageBytes > maxMessageBytes) {
        throw new LimitExceededException("fragmented message over " + maxMessageBytes + " bytes", maxMessageBytes);
      }
      if (fragments > MAX_FRAGMENTS) {
        throw new LimitExceededException("message in more than " + MAX_FRAGMENTS + " fragments", maxMessageBytes);
      }
    }
    super.processFrame(conn, frame);
  }
}
