package io.qingliao.benchmarks;

import io.qingliao.core.ConnectRequest;
import io.qingliao.core.Hub;
import io.qingliao.core.HubConfig;
import io.qingliao.core.HubSession;
import io.qingliao.core.InMemoryMessageStore;
import io.qingliao.core.RoomName;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One chat fanned out to every member of a room of {@code sessions} sessions (the sender is one
 * of them and gets the broadcast too, then its ack). Transports discard frames and report no
 * queued bytes; the store is the bounded {@link InMemoryMessageStore}, whose append completes at
 * once, so the whole delivery runs on the benchmark thread.
 *
 * <p>Deliveries per second = ops/s × sessions; ns per receiver = 10^9 / deliveries per second.
 * Target: at least 10 million deliveries per second (under 100 ns per receiver) with 1,000
 * sessions. Run with {@code -p sessions=1,1000} to split the fixed cost of a chat (decode,
 * append, encode once, ack) from the marginal cost of one more receiver.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
// Longer warm-up than the others: on a busy 2-core machine the JIT needs several seconds to
// compile the fan-out loop and the whole onText path.
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class HubFanoutBenchmark {
  /** The history each room keeps; the ring is allocated once, so memory stays flat. */
  static final int HISTORY_PER_ROOM = 1_000;

  @Param("1000")
  public int sessions;

  private Hub hub;
  private DiscardingTransport[] transports;
  private HubSession sender;
  private long sharedBefore;

  @Setup(Level.Trial)
  public void setUp() {
    hub = Hub.builder()
        .store(new InMemoryMessageStore(HISTORY_PER_ROOM))
        // The sender sends a frame per op, millions per second: the limiter must never refuse it.
        .config(HubConfig.defaults().withRateLimitPerSecond(1e9))
        .build();
    transports = new DiscardingTransport[sessions];
    HubSession first = null;
    for (int i = 0; i < sessions; i++) {
      transports[i] = new DiscardingTransport();
      HubSession session = hub.open(transports[i], new ConnectRequest("user" + i, "lobby", null, null, null));
      if (first == null) {
        first = session;
      }
    }
    sender = first;
    if (hub.members(RoomName.LOBBY).size() != sessions) {
      throw new IllegalStateException("expected " + sessions + " members, got " + hub.members(RoomName.LOBBY).size());
    }
    // One chat to check the set-up: every member gets it once, the sender also gets its ack.
    long[] shared = sharedCounts();
    long ackBefore = transports[0].textFrames;
    sender.onText(CodecBenchmark.CHAT_FRAME);
    long[] after = sharedCounts();
    for (int i = 0; i < sessions; i++) {
      if (after[i] != shared[i] + 1) {
        throw new IllegalStateException("session " + i + " did not get exactly one broadcast");
      }
    }
    if (transports[0].textFrames != ackBefore + 1) {
      throw new IllegalStateException("the sender got no ack (rate limited?)");
    }
  }

  @Setup(Level.Iteration)
  public void countBefore() {
    sharedBefore = transports[sessions - 1].sharedFrames;
  }

  /** Every chat sent in the iteration reached the last member, and no session was dropped. */
  @TearDown(Level.Iteration)
  public void checkIteration() {
    for (DiscardingTransport t : transports) {
      if (t.closedWith != null) {
        throw new IllegalStateException("the hub closed a session: " + t.closedWith);
      }
    }
    if (transports[sessions - 1].sharedFrames == sharedBefore) {
      throw new IllegalStateException("no chat reached the room in this iteration");
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    hub.close();
  }

  /** A client's JSON chat frame in, {@code sessions} shared frames and one ack out. */
  @Benchmark
  public void chatToRoom() {
    sender.onText(CodecBenchmark.CHAT_FRAME);
  }

  /** The server-side path (HTTP API, embedders): no decode, no ack, a future completed instead. */
  @Benchmark
  public Object publishToRoom() {
    return hub.publish(RoomName.LOBBY, "server", "你好, world").join();
  }

  private long[] sharedCounts() {
    long[] counts = new long[sessions];
    for (int i = 0; i < sessions; i++) {
      counts[i] = transports[i].sharedFrames;
    }
    return counts;
  }
}
