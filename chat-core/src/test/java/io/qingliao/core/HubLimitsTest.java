package io.qingliao.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class HubLimitsTest {
  private final MutableClock clock = new MutableClock(1_000_000);
  private final List<String> dropped = new ArrayList<>();
  private final Hub hub = Hub.builder().clock(clock).listener(new HubListener() {
    @Override
    public void sessionDropped(String sessionId, int code, String reason) {
      synchronized (dropped) {
        dropped.add(code + " " + reason);
      }
    }
  }).build();

  @Test
  void burstOfFortyThenRateLimitedWithEachFramesCid() {
    TestClient c = TestClient.joined(hub, "a", "r");
    for (int i = 0; i < 40; i++) {
      c.send("{\"type\":\"ping\",\"cid\":\"p" + i + "\"}");
      assertThat(c.next(ServerEvent.Pong.class).cid()).isEqualTo("p" + i);
    }
    c.send("{\"type\":\"ping\",\"cid\":\"over1\"}");
    assertThat(c.nextError(ErrorCode.RATE_LIMITED).cid()).isEqualTo("over1");
    c.send("{\"type\":\"chat\",\"text\":\"x\",\"cid\":\"over2\"}");
    assertThat(c.nextError(ErrorCode.RATE_LIMITED).cid()).isEqualTo("over2");
    clock.advanceMillis(100); // 20 frames/s: two more tokens
    c.send("{\"type\":\"ping\",\"cid\":\"ok1\"}");
    c.send("{\"type\":\"ping\",\"cid\":\"ok2\"}");
    c.send("{\"type\":\"ping\",\"cid\":\"no\"}");
    assertThat(c.next(ServerEvent.Pong.class).cid()).isEqualTo("ok1");
    assertThat(c.next(ServerEvent.Pong.class).cid()).isEqualTo("ok2");
    assertThat(c.nextError(ErrorCode.RATE_LIMITED).cid()).isEqualTo("no");
    assertThat(hub.history(new RoomName("r"), Long.MAX_VALUE, 10)).isEmpty();
  }

  @Test
  void binaryFramesCountTowardsTheRate() {
    TestClient c = TestClient.joined(hub, "a", "r");
    for (int i = 0; i < 40; i++) {
      c.sendBinary(new byte[] {1});
    }
    c.send("{\"type\":\"ping\",\"cid\":\"late\"}");
    assertThat(c.nextError(ErrorCode.RATE_LIMITED).cid()).isEqualTo("late");
    c.sendBinary(new byte[] {2});
    assertThat(c.nextError(ErrorCode.RATE_LIMITED).cid()).isNull();
  }

  @Test
  void hundredRefusedInARowCloses1008AndLeavesTheRoom() {
    TestClient watcher = TestClient.joined(hub, "watcher", "r");
    TestClient flooder = TestClient.joined(hub, "flooder", "r");
    watcher.transport.drain();
    for (int i = 0; i < 40; i++) {
      flooder.send("{\"type\":\"ping\"}");
    }
    for (int i = 0; i < 99; i++) {
      flooder.send("{\"type\":\"ping\"}");
    }
    assertThat(flooder.transport.closeCode).isNull();
    flooder.send("{\"type\":\"ping\"}");
    assertThat(flooder.transport.closeCode).isEqualTo(CloseCodes.POLICY_VIOLATION);
    assertThat(flooder.transport.closeReason).isEqualTo(CloseCodes.REASON_RATE_LIMITED);
    assertThat(watcher.next(ServerEvent.SystemEvent.class).text()).isEqualTo("flooder left");
    assertThat(hub.members(new RoomName("r"))).containsExactly("watcher");
    assertThat(dropped).containsExactly("1008 rate limited");
  }

  @Test
  void anAcceptedFrameResetsTheRefusedCount() {
    TestClient c = TestClient.joined(hub, "a", "r");
    for (int i = 0; i < 40 + 99; i++) {
      c.send("{\"type\":\"ping\"}");
    }
    clock.advanceMillis(50);
    c.send("{\"type\":\"ping\"}");
    for (int i = 0; i < 99; i++) {
      c.send("{\"type\":\"ping\"}");
    }
    assertThat(c.transport.closeCode).isNull();
  }

  @Test
  void slowConsumerIsClosed4008AndDroppedWithoutSlowingOthers() {
    Hub small = Hub.builder().config(HubConfig.defaults().withSlowConsumerBytes(1000)).build();
    TestClient alice = TestClient.joined(small, "alice", "r");
    TestClient slow = TestClient.joined(small, "slow", "r");
    TestClient carol = TestClient.joined(small, "carol", "r");
    alice.transport.drain();
    slow.transport.drain();
    slow.transport.queued.set(1001);
    alice.send("hello");
    assertThat(slow.transport.closeCode).isEqualTo(CloseCodes.SLOW_CONSUMER);
    assertThat(slow.transport.closeReason).isEqualTo("slow consumer");
    assertThat(alice.next(ServerEvent.ChatEvent.class).message().text()).isEqualTo("hello");
    alice.next(ServerEvent.Ack.class);
    assertThat(alice.next(ServerEvent.SystemEvent.class).text()).isEqualTo("slow left");
    assertThat(carol.next(ServerEvent.ChatEvent.class).message().text()).isEqualTo("hello");
    assertThat(small.members(new RoomName("r"))).containsExactly("alice", "carol");
    assertThat(small.sessionCount()).isEqualTo(2);
    alice.send("again");
    assertThat(carol.next(ServerEvent.SystemEvent.class).text()).isEqualTo("slow left");
    assertThat(carol.next(ServerEvent.ChatEvent.class).message().seq()).isEqualTo(2);
  }

  @Test
  void aSlowConsumerDetectedOnADirectReplyIsClosedToo() {
    Hub small = Hub.builder().config(HubConfig.defaults().withSlowConsumerBytes(10)).build();
    TestClient c = TestClient.joined(small, "a", "r");
    c.transport.queued.set(11);
    c.send("{\"type\":\"ping\"}");
    assertThat(c.transport.closeCode).isEqualTo(CloseCodes.SLOW_CONSUMER);
    assertThat(small.sessionCount()).isZero();
  }

  @Test
  void binaryIsRelayedUnchangedToTheOtherMembersOfTheCurrentRoomOnly() {
    TestClient sender = TestClient.joined(hub, "sender", "r");
    TestClient peer = TestClient.joined(hub, "peer", "r");
    TestClient elsewhere = TestClient.joined(hub, "elsewhere", "other");
    TestClient legacy = TestClient.open(hub, new ConnectRequest("legacy", "r", null, OutputFormat.TEXT, null));
    byte[] payload = "二进制 😀".getBytes(StandardCharsets.UTF_8);
    sender.sendBinary(payload);
    ByteBuffer got = peer.transport.binaries.poll();
    assertThat(got).isNotNull();
    byte[] copy = new byte[got.remaining()];
    got.get(copy);
    assertThat(copy).isEqualTo(payload);
    assertThat(sender.transport.binaries).isEmpty();
    assertThat(elsewhere.transport.binaries).isEmpty();
    assertThat(legacy.transport.binaries).isEmpty();
    assertThat(hub.room(new RoomName("r")).orElseThrow().seq()).isZero();
  }

  @Test
  void binaryWithNoCurrentRoomIsNotMember() {
    TestClient c = TestClient.open(hub, new ConnectRequest("a", "bad room", null, OutputFormat.JSON, null));
    c.transport.drain();
    c.sendBinary(new byte[] {1, 2});
    c.nextError(ErrorCode.NOT_MEMBER);
  }
}
