package io.qingliao.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class InMemoryMessageStoreTest {
  private static final RoomName A = new RoomName("a");
  private static final RoomName B = new RoomName("b");

  private static ChatMessage append(MessageStore store, RoomName room, String text) {
    return store.append(new MessageDraft(text, room, "me", text, 1, null)).join();
  }

  @Test
  void seqsArePerRoomAndStartAtOne() {
    InMemoryMessageStore store = new InMemoryMessageStore(10);
    assertThat(append(store, A, "a1").seq()).isEqualTo(1);
    assertThat(append(store, A, "a2").seq()).isEqualTo(2);
    assertThat(append(store, B, "b1").seq()).isEqualTo(1);
    assertThat(store.latestSeq(A)).isEqualTo(2);
    assertThat(store.latestSeq(new RoomName("none"))).isZero();
    assertThat(store.rooms()).containsExactly(A, B);
  }

  @Test
  void keepsOnlyTheNewestPerRoom() {
    InMemoryMessageStore store = new InMemoryMessageStore(3);
    for (int i = 1; i <= 7; i++) {
      append(store, A, "m" + i);
    }
    assertThat(store.readAfter(A, 0, 100)).extracting(ChatMessage::seq).containsExactly(5L, 6L, 7L);
    assertThat(store.readBefore(A, Long.MAX_VALUE, 100)).extracting(ChatMessage::seq).containsExactly(5L, 6L, 7L);
    assertThat(store.latestSeq(A)).isEqualTo(7);
  }

  @Test
  void readsAreBoundedAndAscending() {
    InMemoryMessageStore store = new InMemoryMessageStore(100);
    for (int i = 1; i <= 10; i++) {
      append(store, A, "m" + i);
    }
    assertThat(store.readAfter(A, 3, 2)).extracting(ChatMessage::seq).containsExactly(4L, 5L);
    assertThat(store.readAfter(A, 10, 5)).isEmpty();
    assertThat(store.readAfter(A, Long.MAX_VALUE, 5)).isEmpty();
    assertThat(store.readBefore(A, 4, 10)).extracting(ChatMessage::seq).containsExactly(1L, 2L, 3L);
    assertThat(store.readBefore(A, 8, 2)).extracting(ChatMessage::seq).containsExactly(6L, 7L);
    assertThat(store.readBefore(A, 1, 10)).isEmpty();
    assertThat(store.readBefore(A, 0, 10)).isEmpty();
    assertThat(store.readBefore(B, Long.MAX_VALUE, 10)).isEmpty();
    assertThatThrownBy(() -> store.readAfter(A, 0, 10).add(null)).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void refusesANonPositiveBound() {
    assertThatThrownBy(() -> new InMemoryMessageStore(0)).isInstanceOf(IllegalArgumentException.class);
  }
}
