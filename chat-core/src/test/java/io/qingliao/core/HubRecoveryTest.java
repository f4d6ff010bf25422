package io.qingliao.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class HubRecoveryTest {
  private static final RoomName R = new RoomName("大厅");

  private static void publish(Hub hub, int count) {
    for (int i = 0; i < count; i++) {
      hub.publish(R, "bot", "m" + i).join();
    }
  }

  private static List<Long> seqs(List<ChatMessage> messages) {
    return messages.stream().map(ChatMessage::seq).toList();
  }

  private static List<Long> range(long from, long to) {
    return LongStream.rangeClosed(from, to).boxed().toList();
  }

  @Test
  void withoutSinceJoinedHoldsTheNewestFifty() {
    Hub hub = Hub.builder().build();
    publish(hub, 70);
    TestClient c = TestClient.open(hub, new ConnectRequest("a", "大厅", null, OutputFormat.JSON, null));
    c.next(ServerEvent.Welcome.class);
    ServerEvent.Joined joined = c.next(ServerEvent.Joined.class);
    assertThat(joined.seq()).isEqualTo(70);
    assertThat(seqs(joined.history())).isEqualTo(range(21, 70));
    assertThat(joined.truncated()).isFalse();
  }

  @Test
  void urlSinceReplaysExactlyTheMissedMessagesThenLive() {
    Hub hub = Hub.builder().build();
    publish(hub, 10);
    TestClient c = TestClient.open(hub, new ConnectRequest("a", "大厅", "4", OutputFormat.JSON, null));
    c.next(ServerEvent.Welcome.class);
    ServerEvent.Joined joined = c.next(ServerEvent.Joined.class);
    assertThat(seqs(joined.history())).isEqualTo(range(5, 10));
    assertThat(joined.truncated()).isFalse();
    publish(hub, 1);
    assertThat(c.next(ServerEvent.ChatEvent.class).message().seq()).isEqualTo(11);
    c.assertExhausted();
  }

  @Test
  void sinceAtOrAboveTheLatestReplaysNothing() {
    Hub hub = Hub.builder().build();
    publish(hub, 3);
    TestClient c = TestClient.joined(hub, "a", "x");
    c.send(new ClientRequest.Join(R, 3L, null));
    assertThat(c.next(ServerEvent.Joined.class).history()).isEmpty();
    c.send(new ClientRequest.Join(R, 99L, null));
    ServerEvent.Joined again = c.next(ServerEvent.Joined.class);
    assertThat(again.history()).isEmpty();
    assertThat(again.truncated()).isFalse();
    c.send(new ClientRequest.Join(R, 0L, null));
    assertThat(seqs(c.next(ServerEvent.Joined.class).history())).isEqualTo(range(1, 3));
  }

  @Test
  void moreMissedThanTheCapGivesTheNewestCapAndTruncated() {
    Hub hub = Hub.builder().config(HubConfig.defaults().withReplayCap(5)).build();
    publish(hub, 20);
    TestClient c = TestClient.joined(hub, "a", "x");
    c.send(new ClientRequest.Join(R, 3L, null));
    ServerEvent.Joined joined = c.next(ServerEvent.Joined.class);
    assertThat(seqs(joined.history())).isEqualTo(range(16, 20));
    assertThat(joined.truncated()).isTrue();
    c.send(new ClientRequest.Join(R, 15L, null));
    ServerEvent.Joined exact = c.next(ServerEvent.Joined.class);
    assertThat(seqs(exact.history())).isEqualTo(range(16, 20));
    assertThat(exact.truncated()).isFalse();
  }

  @Test
  void defaultCapIsAThousand() {
    Hub hub = Hub.builder().build();
    publish(hub, 1005);
    TestClient c = TestClient.joined(hub, "a", "x");
    c.send(new ClientRequest.Join(R, 0L, null));
    ServerEvent.Joined joined = c.next(ServerEvent.Joined.class);
    assertThat(seqs(joined.history())).isEqualTo(range(6, 1005));
    assertThat(joined.truncated()).isTrue();
  }

  @Test
  void messagesTheStoreNoLongerHoldsAreReportedAsTruncated() {
    Hub hub = Hub.builder().store(new InMemoryMessageStore(10)).build();
    publish(hub, 30);
    TestClient c = TestClient.joined(hub, "a", "x");
    c.send(new ClientRequest.Join(R, 5L, null));
    ServerEvent.Joined joined = c.next(ServerEvent.Joined.class);
    assertThat(seqs(joined.history())).isEqualTo(range(21, 30));
    assertThat(joined.truncated()).isTrue();
  }

  @Test
  void aRestartedHubContinuesTheSeqOfItsStore() {
    InMemoryMessageStore store = new InMemoryMessageStore(100);
    Hub first = Hub.builder().store(store).build();
    publish(first, 3);
    first.close();
    Hub second = Hub.builder().store(store).build();
    TestClient c = TestClient.open(second, new ConnectRequest("a", "大厅", "1", OutputFormat.JSON, null));
    c.next(ServerEvent.Welcome.class);
    ServerEvent.Joined joined = c.next(ServerEvent.Joined.class);
    assertThat(joined.seq()).isEqualTo(3);
    assertThat(seqs(joined.history())).isEqualTo(range(2, 3));
    c.send("next");
    assertThat(c.next(ServerEvent.ChatEvent.class).message().seq()).isEqualTo(4);
  }

  @Test
  void unicodeRoomsNicksAndTextsRoundTripExactly() {
    Hub hub = Hub.builder().build();
    TestClient writer = TestClient.joined(hub, "小明😀", "大厅");
    String text = "你好 😀 𠜎 e\u0301 \u200d";
    writer.send(text);
    ChatMessage live = writer.next(ServerEvent.ChatEvent.class).message();
    assertThat(live.text()).isEqualTo(text);
    assertThat(live.from()).isEqualTo("小明😀");
    TestClient reader = TestClient.open(hub, new ConnectRequest("读者", "大厅", "0", OutputFormat.JSON, null));
    reader.next(ServerEvent.Welcome.class);
    ChatMessage replayed = reader.next(ServerEvent.Joined.class).history().get(0);
    assertThat(replayed).isEqualTo(live);
    assertThat(hub.history(R, Long.MAX_VALUE, 1)).containsExactly(live);
  }
}
