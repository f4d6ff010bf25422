package io.qingliao.benchmarks;

import io.qingliao.core.ChatMessage;
import io.qingliao.core.ClientRequest;
import io.qingliao.core.Decoded;
import io.qingliao.core.ProtocolCodec;
import io.qingliao.core.RoomName;
import io.qingliao.core.ServerEvent;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The wire codec on the hub's per-frame path: decoding what a client sends (a JSON chat request
 * and a legacy plain-text frame) and encoding the {@code chat} event every receiver gets.
 * Target: a typical chat request decodes in under 1 µs.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class CodecBenchmark {
  static final String CHAT_FRAME = "{\"type\":\"chat\",\"room\":\"lobby\",\"text\":\"你好, world\",\"cid\":\"c-1\"}";
  static final String PLAIN_FRAME = "你好, world";

  private ServerEvent.ChatEvent chatEvent;

  @Setup
  public void setUp() {
    ChatMessage message = new ChatMessage("k3x9q2m1-1a", new RoomName("lobby"), 42, "alice", "你好, world",
        1_764_300_000_000L, "c-1");
    chatEvent = new ServerEvent.ChatEvent(message);
    // A benchmark of an error path would measure nothing useful: fail early instead.
    check(ProtocolCodec.decodeRequest(CHAT_FRAME));
    check(ProtocolCodec.decodeRequest(PLAIN_FRAME));
  }

  private static void check(Decoded<ClientRequest> decoded) {
    if (!decoded.isOk() || !(decoded.value() instanceof ClientRequest.Chat)) {
      throw new IllegalStateException("frame does not decode to a chat: " + decoded);
    }
  }

  /** A typical JSON chat request. */
  @Benchmark
  public Decoded<ClientRequest> decodeChatJson() {
    return ProtocolCodec.decodeRequest(CHAT_FRAME);
  }

  /** A plain-text frame (not starting with a brace): a chat into the current room. */
  @Benchmark
  public Decoded<ClientRequest> decodePlainText() {
    return ProtocolCodec.decodeRequest(PLAIN_FRAME);
  }

  /** A stored message as the {@code chat} event JSON (done once per broadcast, not per receiver). */
  @Benchmark
  public String encodeChatEvent() {
    return ProtocolCodec.encodeEvent(chatEvent);
  }
}
