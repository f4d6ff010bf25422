package io.qingliao.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A store with two stages ({@link MessageStore#appendStaged}): the room sees a chat when it is
 * written, the sender's ack (or a publish's result) waits until it is durable.
 */
@Timeout(10)
class HubDurableStageTest {
  private final InMemoryMessageStore memory = new InMemoryMessageStore(100);
  /** The durable stage of every append, in order, for the test to complete. */
  private final List<CompletableFuture<ChatMessage>> durable = new ArrayList<>();
  private final MessageStore staged = new ForwardingStore(memory) {
    @Override
    public AppendStages appendStaged(MessageDraft draft) {
      CompletableFuture<ChatMessage> written = memory.append(draft);
      CompletableFuture<ChatMessage> later = new CompletableFuture<>();
      durable.add(later);
      return new AppendStages(written, later);
    }
  };
  private final Hub hub = Hub.builder().store(staged).build();

  @Test
  void membersGetTheChatWhenWrittenAndTheSenderIsAckedOnlyWhenDurable() {
    TestClient alice = TestClient.joined(hub, "alice", "r");
    TestClient bob = TestClient.joined(hub, "bob", "r");
    alice.transport.drain();
    alice.send("{\"type\":\"chat\",\"text\":\"先到\",\"cid\":\"c1\"}");

    ChatMessage seen = bob.next(ServerEvent.ChatEvent.class).message();
    assertThat(alice.next(ServerEvent.ChatEvent.class).message()).isEqualTo(seen);
    alice.assertExhausted(); // no ack before the disk has it

    durable.get(0).complete(seen);
    assertThat(alice.next(ServerEvent.Ack.class))
        .isEqualTo(new ServerEvent.Ack("c1", seen.id(), seen.room(), seen.seq(), seen.ts()));
    alice.assertExhausted();
    bob.assertExhausted();
  }

  @Test
  void acksFollowTheDurableStageInOrderWhileLaterChatsAreAlreadyDelivered() {
    TestClient alice = TestClient.joined(hub, "alice", "r");
    alice.send("{\"type\":\"chat\",\"text\":\"one\",\"cid\":\"a\"}");
    alice.send("{\"type\":\"chat\",\"text\":\"two\",\"cid\":\"b\"}");
    ChatMessage one = alice.next(ServerEvent.ChatEvent.class).message();
    ChatMessage two = alice.next(ServerEvent.ChatEvent.class).message();
    assertThat(two.seq()).isEqualTo(one.seq() + 1);
    alice.assertExhausted();

    durable.get(0).complete(one);
    durable.get(1).complete(two);
    assertThat(alice.next(ServerEvent.Ack.class).cid()).isEqualTo("a");
    assertThat(alice.next(ServerEvent.Ack.class).cid()).isEqualTo("b");
  }

  @Test
  void aFailedDurableStageTellsTheSenderStoreUnconfirmedAndTheChatStaysDelivered() {
    TestClient alice = TestClient.joined(hub, "alice", "r");
    TestClient bob = TestClient.joined(hub, "bob", "r");
    alice.transport.drain();
    alice.send("{\"type\":\"chat\",\"text\":\"x\",\"cid\":\"c9\"}");
    ChatMessage seen = bob.next(ServerEvent.ChatEvent.class).message();
    alice.next(ServerEvent.ChatEvent.class);

    durable.get(0).completeExceptionally(new StoreUnconfirmedException("fsync failed", new IOException("EIO")));
    ServerEvent.ErrorEvent error = alice.nextError(ErrorCode.STORE_UNCONFIRMED);
    assertThat(error.cid()).isEqualTo("c9");
    assertThat(error.message()).contains("do not resend");
    alice.assertExhausted();
    bob.assertExhausted();
    // It is in the history: the members saw it, and a seq is never shown twice.
    assertThat(hub.history(seen.room(), Long.MAX_VALUE, 10)).containsExactly(seen);

    alice.send("{\"type\":\"chat\",\"text\":\"y\",\"cid\":\"c10\"}");
    assertThat(bob.next(ServerEvent.ChatEvent.class).message().seq()).isEqualTo(seen.seq() + 1);
  }

  @Test
  void publishCompletesOnlyWhenDurableAndFailsAsUnconfirmed() {
    CompletableFuture<ChatMessage> first = hub.publish(new RoomName("r"), "bot", "公告");
    assertThat(first).isNotDone();
    ChatMessage written = memory.readBefore(new RoomName("r"), Long.MAX_VALUE, 1).get(0);
    durable.get(0).complete(written);
    assertThat(first.join()).isEqualTo(written);

    CompletableFuture<ChatMessage> second = hub.publish(new RoomName("r"), "bot", "再来");
    durable.get(1).completeExceptionally(new StoreUnconfirmedException("fsync failed", new IOException("EIO")));
    assertThatThrownBy(second::join).hasCauseInstanceOf(StoreUnconfirmedException.class);
  }

  @Test
  void aStoreWithOneStageStillAcksRightAfterTheBroadcast() {
    Hub plain = Hub.builder().store(new ForwardingStore(memory)).build();
    TestClient alice = TestClient.joined(plain, "alice", "r");
    alice.send("{\"type\":\"chat\",\"text\":\"x\",\"cid\":\"k\"}");
    alice.next(ServerEvent.ChatEvent.class);
    assertThat(alice.next(ServerEvent.Ack.class).cid()).isEqualTo("k");
  }
}
