package io.qingliao.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-memory {@link SessionTransport} that records what the hub sends, for tests. Thread-safe.
 * {@link #next} pops frames in order, like OkHttp's WebSocketRecorder.
 */
final class RecordingTransport implements SessionTransport {
  /** One sent text frame, and the shared frame object when it came through {@code sendFrame}. */
  record Sent(String text, OutboundFrame shared) {}

  final ConcurrentLinkedQueue<Sent> texts = new ConcurrentLinkedQueue<>();
  final ConcurrentLinkedQueue<ByteBuffer> binaries = new ConcurrentLinkedQueue<>();
  final AtomicLong queued = new AtomicLong();
  volatile Integer closeCode;
  volatile String closeReason;
  volatile HubSession session;

  @Override
  public void sendText(String text) {
    if (closeCode == null) {
      texts.add(new Sent(text, null));
    }
  }

  @Override
  public void sendFrame(OutboundFrame frame) {
    if (closeCode == null) {
      texts.add(new Sent(frame.text(), frame));
    }
  }

  @Override
  public void sendBinary(ByteBuffer data) {
    if (closeCode == null) {
      binaries.add(data);
    }
  }

  @Override
  public synchronized void close(int code, String reason) {
    if (closeCode == null) {
      closeCode = code;
      closeReason = reason;
    }
  }

  @Override
  public long queuedBytes() {
    return queued.get();
  }

  /** The next text frame, decoded; fails if there is none or it is not a {@code type}. */
  <T extends ServerEvent> T next(Class<T> type) {
    Sent sent = texts.poll();
    if (sent == null) {
      fail("expected a %s event but nothing was sent", type.getSimpleName());
    }
    Decoded<ServerEvent> decoded = ProtocolCodec.decodeEvent(sent.text());
    assertThat(decoded.isOk()).as("decodable: %s", sent.text()).isTrue();
    assertThat(decoded.value()).as("frame %s", sent.text()).isInstanceOf(type);
    return type.cast(decoded.value());
  }

  /** The next error event, checking its code. */
  ServerEvent.ErrorEvent nextError(ErrorCode code) {
    ServerEvent.ErrorEvent error = next(ServerEvent.ErrorEvent.class);
    assertThat(error.code()).as("error %s", error).isEqualTo(code);
    return error;
  }

  /** The next raw text frame. */
  String nextText() {
    Sent sent = texts.poll();
    if (sent == null) {
      fail("expected a text frame but nothing was sent");
    }
    return sent.text();
  }

  /** Every text frame left, decoded, and clears them. */
  List<ServerEvent> drain() {
    List<ServerEvent> events = new ArrayList<>();
    Sent sent;
    while ((sent = texts.poll()) != null) {
      events.add(ProtocolCodec.decodeEvent(sent.text()).value());
    }
    return events;
  }

  void assertExhausted() {
    assertThat(texts).as("unexpected frames").isEmpty();
  }
}
