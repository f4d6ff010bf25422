package io.qingliao.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class HubChatTest {
  private static final RoomName HALL = new RoomName("大厅");
  private final MutableClock clock = new MutableClock(1_700_000_000_000L);
  private final Hub hub = Hub.builder().clock(clock).build();

  @Test
  void chatIsBroadcastToEveryMemberWithCidThenAckedToTheSender() {
    TestClient alice = TestClient.joined(hub, "alice", "大厅");
    TestClient bob = TestClient.joined(hub, "bob", "大厅");
    alice.transport.drain();
    alice.send("{\"type\":\"chat\",\"text\":\"你好 😀 𠜎\",\"cid\":\"c1\"}");
    ChatMessage expected = new ChatMessage(alice.next(ServerEvent.ChatEvent.class).message().id(), HALL, 1,
        "alice", "你好 😀 𠜎", clock.millis(), "c1");
    ServerEvent.Ack ack = alice.next(ServerEvent.Ack.class);
    assertThat(ack).isEqualTo(new ServerEvent.Ack("c1", expected.id(), HALL, 1, clock.millis()));
    assertThat(bob.next(ServerEvent.ChatEvent.class).message()).isEqualTo(expected);
    alice.assertExhausted();
    bob.assertExhausted();
  }

  @Test
  void aBroadcastIsEncodedOnceAndSharedByEveryReceiver() {
    TestClient alice = TestClient.joined(hub, "alice", "r");
    TestClient bob = TestClient.joined(hub, "bob", "r");
    TestClient carol = TestClient.joined(hub, "carol", "r");
    alice.transport.drain();
    bob.transport.drain();
    alice.send("hi");
    OutboundFrame a = alice.transport.texts.poll().shared();
    OutboundFrame b = bob.transport.texts.poll().shared();
    OutboundFrame c = carol.transport.texts.poll().shared();
    assertThat(a).isNotNull().isSameAs(b).isSameAs(c);
  }

  @Test
  void plainTextFrameIsAChatInTheCurrentRoomKeptExactly() {
    TestClient c = TestClient.joined(hub, "小明", "大厅");
    c.send("  hello\t");
    ChatMessage m = c.next(ServerEvent.ChatEvent.class).message();
    assertThat(m.text()).isEqualTo("  hello\t");
    assertThat(m.room()).isEqualTo(HALL);
    assertThat(m.cid()).isNull();
    assertThat(c.next(ServerEvent.Ack.class).cid()).isNull();
  }

  @Test
  void seqRisesByOnePerMessageAndIdsAreUnique() {
    TestClient c = TestClient.joined(hub, "a", "r");
    for (int i = 0; i < 5; i++) {
      c.send("m" + i);
    }
    List<ChatMessage> got = c.transport.drain().stream().filter(e -> e instanceof ServerEvent.ChatEvent)
        .map(e -> ((ServerEvent.ChatEvent) e).message()).toList();
    assertThat(got).extracting(ChatMessage::seq).containsExactly(1L, 2L, 3L, 4L, 5L);
    assertThat(got).extracting(ChatMessage::id).doesNotHaveDuplicates();
  }

  @Test
  void textRulesGiveTooLongAndBadRequest() {
    Hub small = Hub.builder().config(new HubConfig(16, 10, 20, 100, 1000, 50, 1 << 20, 30, "q")).build();
    TestClient c = TestClient.joined(small, "a", "r");
    c.send("{\"type\":\"chat\",\"text\":\"01234567890\",\"cid\":\"t\"}");
    assertThat(c.nextError(ErrorCode.TOO_LONG).cid()).isEqualTo("t");
    c.send("😀😀😀😀😀😀😀😀😀😀");
    c.next(ServerEvent.ChatEvent.class);
    c.next(ServerEvent.Ack.class);
    c.send("{\"type\":\"chat\",\"text\":\" \\n\\u3000\",\"cid\":\"w\"}");
    assertThat(c.nextError(ErrorCode.BAD_REQUEST).cid()).isEqualTo("w");
    c.send(" \u2003 ");
    c.nextError(ErrorCode.BAD_REQUEST);
  }

  @Test
  void historyPagesBackwardsWithBeforeExclusive() {
    TestClient c = TestClient.joined(hub, "a", "r");
    for (int i = 1; i <= 120; i++) {
      hub.publish(new RoomName("r"), "bot", "m" + i).join();
    }
    c.transport.drain();
    c.send(new ClientRequest.History(null, null, 50, "h"));
    ServerEvent.HistoryPage page = c.next(ServerEvent.HistoryPage.class);
    assertThat(page.cid()).isEqualTo("h");
    assertThat(page.messages()).extracting(ChatMessage::seq).first().isEqualTo(71L);
    assertThat(page.messages()).extracting(ChatMessage::seq).last().isEqualTo(120L);
    c.send(new ClientRequest.History(new RoomName("r"), 71L, 100, null));
    page = c.next(ServerEvent.HistoryPage.class);
    assertThat(page.messages()).hasSize(70);
    assertThat(page.messages().get(69).seq()).isEqualTo(70L);
    c.send("{\"type\":\"history\",\"before\":3,\"limit\":1}");
    assertThat(c.next(ServerEvent.HistoryPage.class).messages()).extracting(ChatMessage::text).containsExactly("m2");
    assertThat(hub.history(new RoomName("r"), Long.MAX_VALUE, 2)).extracting(ChatMessage::seq).containsExactly(119L, 120L);
    assertThatThrownBy(() -> hub.history(new RoomName("r"), 5, 101)).isInstanceOf(ProtocolException.class);
  }

  @Test
  void publishStoresBroadcastsAndCreatesTheRoom() {
    TestClient c = TestClient.joined(hub, "a", "大厅");
    ChatMessage m = hub.publish(HALL, "系统", "公告 😀").join();
    assertThat(m.seq()).isEqualTo(1);
    assertThat(m.from()).isEqualTo("系统");
    assertThat(c.next(ServerEvent.ChatEvent.class).message()).isEqualTo(m);
    assertThat(hub.publish(new RoomName("new-room"), "bot", "x").join().seq()).isEqualTo(1);
    assertThat(hub.room(new RoomName("new-room"))).contains(new RoomSummary(new RoomName("new-room"), 0, 1));
  }

  @Test
  void publishRefusesBadInputWithProtocolExceptions() {
    assertThat(failureCode(hub.publish(HALL, "bad\u0000nick", "x"))).isEqualTo(ErrorCode.INVALID_NICK);
    assertThat(failureCode(hub.publish(HALL, "bot", "   "))).isEqualTo(ErrorCode.BAD_REQUEST);
    assertThat(failureCode(hub.publish(HALL, "bot", "x".repeat(4097)))).isEqualTo(ErrorCode.TOO_LONG);
  }

  private static ErrorCode failureCode(CompletableFuture<ChatMessage> future) {
    try {
      future.join();
    } catch (CompletionException e) {
      assertThat(e.getCause()).isInstanceOf(ProtocolException.class);
      return ((ProtocolException) e.getCause()).code();
    }
    throw new AssertionError("expected a failure");
  }

  @Test
  void filterMayChangeOrRejectAMessage() {
    Hub filtered = Hub.builder().filter(draft -> draft.text().contains("spam")
        ? MessageFilter.FilterResult.reject("no spam")
        : MessageFilter.FilterResult.accept(new MessageDraft(draft.id(), draft.room(), draft.from(),
            draft.text().replace("darn", "****"), draft.ts(), draft.cid()))).build();
    TestClient c = TestClient.joined(filtered, "a", "r");
    c.send("{\"type\":\"chat\",\"text\":\"buy spam\",\"cid\":\"s\"}");
    ServerEvent.ErrorEvent error = c.nextError(ErrorCode.REJECTED);
    assertThat(error.cid()).isEqualTo("s");
    assertThat(error.message()).isEqualTo("no spam");
    c.send("oh darn");
    assertThat(c.next(ServerEvent.ChatEvent.class).message().text()).isEqualTo("oh ****");
    c.next(ServerEvent.Ack.class);
    assertThat(failureCode(filtered.publish(new RoomName("r"), "bot", "spam"))).isEqualTo(ErrorCode.REJECTED);
    assertThat(filtered.history(new RoomName("r"), Long.MAX_VALUE, 10)).extracting(ChatMessage::text)
        .containsExactly("oh ****");
  }

  @Test
  void storeFailureIsServerBusyForTheSenderAndNothingIsBroadcast() {
    AtomicInteger appends = new AtomicInteger();
    InMemoryMessageStore memory = new InMemoryMessageStore(100);
    MessageStore failing = new ForwardingStore(memory) {
      @Override
      public CompletableFuture<ChatMessage> append(MessageDraft draft) {
        if (appends.incrementAndGet() == 2) {
          return CompletableFuture.failedFuture(new StoreUnavailableException("disk full"));
        }
        return memory.append(draft);
      }
    };
    Hub busy = Hub.builder().store(failing).build();
    TestClient alice = TestClient.joined(busy, "alice", "r");
    TestClient bob = TestClient.joined(busy, "bob", "r");
    alice.transport.drain();
    alice.send("one");
    alice.send("{\"type\":\"chat\",\"text\":\"two\",\"cid\":\"c2\"}");
    alice.send("three");
    assertThat(alice.next(ServerEvent.ChatEvent.class).message().text()).isEqualTo("one");
    alice.next(ServerEvent.Ack.class);
    assertThat(alice.nextError(ErrorCode.SERVER_BUSY).cid()).isEqualTo("c2");
    assertThat(alice.next(ServerEvent.ChatEvent.class).message().seq()).isEqualTo(2);
    assertThat(bob.transport.drain()).extracting(e -> ((ServerEvent.ChatEvent) e).message().text())
        .containsExactly("one", "three");
    CompletableFuture<ChatMessage> thrown = Hub.builder().store(new ForwardingStore(memory) {
      @Override
      public CompletableFuture<ChatMessage> append(MessageDraft draft) {
        throw new StoreUnavailableException("gone");
      }
    }).build().publish(new RoomName("r"), "bot", "x");
    assertThatThrownBy(thrown::join).hasCauseInstanceOf(StoreUnavailableException.class);
  }

  @Test
  void listenersSeeDeliveriesAndErrors() {
    AtomicInteger recipients = new AtomicInteger();
    AtomicInteger errors = new AtomicInteger();
    AtomicInteger frames = new AtomicInteger();
    AtomicInteger storedOk = new AtomicInteger();
    Hub observed = Hub.builder().listener(new HubListener() {
      @Override
      public void storeAppendCompleted(long nanos, boolean ok) {
        if (ok && nanos >= 0) {
          storedOk.incrementAndGet();
        }
      }

      @Override
      public void chatDelivered(ChatMessage message, int count) {
        recipients.addAndGet(count);
      }

      @Override
      public void errorSent(String sessionId, ErrorCode code) {
        errors.incrementAndGet();
      }

      @Override
      public void frameReceived(String sessionId, int bytes) {
        frames.addAndGet(bytes);
      }
    }).build();
    TestClient a = TestClient.joined(observed, "a", "r");
    TestClient.joined(observed, "b", "r");
    a.send("好");
    a.send("{\"type\":\"nope\"}");
    assertThat(recipients).hasValue(2);
    assertThat(errors).hasValue(1);
    assertThat(frames).hasValue(3 + 15);
    assertThat(storedOk).hasValue(1);
  }

  @Test
  void aStoreThatCannotBeReadGivesServerBusyNotACrash() {
    InMemoryMessageStore memory = new InMemoryMessageStore(10);
    Hub broken = Hub.builder().store(new ForwardingStore(memory) {
      @Override
      public long latestSeq(RoomName room) {
        if (room.value().equals("broken")) {
          throw new StoreUnavailableException("database gone");
        }
        return super.latestSeq(room);
      }

      @Override
      public List<ChatMessage> readBefore(RoomName room, long beforeSeq, int limit) {
        if (limit == 7) {
          throw new StoreUnavailableException("database gone");
        }
        return super.readBefore(room, beforeSeq, limit);
      }
    }).build();
    TestClient c = TestClient.open(broken, new ConnectRequest("a", "broken", null, OutputFormat.JSON, null));
    c.next(ServerEvent.Welcome.class);
    c.nextError(ErrorCode.SERVER_BUSY);
    c.send(new ClientRequest.Join(new RoomName("broken"), null, "j"));
    assertThat(c.nextError(ErrorCode.SERVER_BUSY).cid()).isEqualTo("j");
    c.send(new ClientRequest.Join(new RoomName("fine"), null, null));
    c.next(ServerEvent.Joined.class);
    c.send(new ClientRequest.History(null, null, 7, "h"));
    assertThat(c.nextError(ErrorCode.SERVER_BUSY).cid()).isEqualTo("h");
    assertThatThrownBy(() -> broken.publish(new RoomName("broken"), "bot", "x").join())
        .hasCauseInstanceOf(StoreUnavailableException.class);
    assertThat(c.transport.closeCode).isNull();
  }
}
