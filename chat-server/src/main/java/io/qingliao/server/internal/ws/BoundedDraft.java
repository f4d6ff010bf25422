package io.qingliao.server.internal.ws;

import java.util.List;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.drafts.Draft;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.enums.Opcode;
import org.java_websocket.exceptions.InvalidDataException;
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
 * <p>The library copies the draft for each connection ({@link #copyInstance}), and calls
 * {@link #processFrame} from that connection's one decoding thread, so the counters need no lock.
 */
final class BoundedDraft extends Draft_6455 {
  /** Most fragments one message may arrive in. */
  static final int MAX_FRAGMENTS = 4_096;

  private final int maxMessageBytes;
  private long messageBytes;
  private int fragments;

  BoundedDraft(int maxMessageBytes) {
    super(List.of(), maxMessageBytes);
    this.maxMessageBytes = maxMessageBytes;
  }

  @Override
  public Draft copyInstance() {
    return new BoundedDraft(maxMessageBytes);
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
