package io.qingliao.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.qingliao.core.ChatMessage;
import io.qingliao.core.MessageDraft;
import io.qingliao.core.MessageStore;
import io.qingliao.core.RoomName;
import io.qingliao.server.testing.NoLeakedThreads;
import io.qingliao.server.testing.RecordingWebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** An ack means stored: history and seq survive a restart, and a crash after the acks. */
@Timeout(60)
@ExtendWith(NoLeakedThreads.class)
class ChatServerDurabilityTest {
  @TempDir Path dataDir;

  private static ChatServer.Builder sqliteServer(Path dataDir) {
    return ChatServer.builder().host("127.0.0.1").wsPort(0).httpPort(-1).sqliteStore(dataDir).rateLimit(1_000);
  }

  /** Sends {@code count} chat messages into room {@code dev} and returns the seqs of their acks. */
  private static List<Long> chatAndAwaitAcks(ChatServer server, int count) {
    List<Long> seqs = new ArrayList<>();
    try (RecordingWebSocket alice = RecordingWebSocket.connect(server.wsPort(), "/?nick=alice&room=dev")) {
      alice.awaitJson("joined");
      for (int i = 0; i < count; i++) {
        alice.send("{\"type\":\"chat\",\"text\":\"message " + i + "\",\"cid\":\"c" + i + "\"}");
      }
      for (int i = 0; i < count; i++) {
        JsonObject ack = alice.awaitJson("ack");
        assertThat(ack.get("cid").getAsString()).isEqualTo("c" + i);
        seqs.add(ack.get("seq").getAsLong());
      }
    }
    return seqs;
  }

  /** What a client reconnecting with {@code since=0} gets replayed: texts in order, and the room's seq. */
  private static List<String> replay(ChatServer server) {
    try (RecordingWebSocket bob = RecordingWebSocket.connect(server.wsPort(), "/?nick=bob&room=dev&since=0")) {
      JsonObject joined = bob.awaitJson("joined");
      List<String> texts = new ArrayList<>();
      long expectedSeq = 1;
      for (JsonElement m : joined.getAsJsonArray("history")) {
        assertThat(m.getAsJsonObject().get("seq").getAsLong()).isEqualTo(expectedSeq++);
        texts.add(m.getAsJsonObject().get("text").getAsString());
      }
      assertThat(joined.get("seq").getAsLong()).isEqualTo(texts.size());
      return texts;
    }
  }

  private static List<String> texts(int count) {
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      texts.add("message " + i);
    }
    return texts;
  }

  @Test
  void historyAndSeqSurviveARestartOnTheSameDataDir() {
    try (ChatServer first = sqliteServer(dataDir).build().start()) {
      assertThat(chatAndAwaitAcks(first, 20)).containsExactlyElementsOf(
          LongStream.rangeClosed(1, 20).boxed().toList());
    }

    try (ChatServer second = sqliteServer(dataDir).build().start()) {
      assertThat(replay(second)).containsExactlyElementsOf(texts(20));
      assertThat(chatAndAwaitAcks(second, 1)).containsExactly(21L);
    }
  }

  @Test
  void everyAckedMessageSurvivesACrashAndNoSeqIsReused() {
    SqliteMessageStore abandoned = SqliteMessageStore.open(dataDir);
    try {
      List<Long> acked;
      // The "crash": the WebSocket side stops, the store is never flushed nor closed.
      try (ChatServer crashing = sqliteServer(dataDir).store(new NeverClosed(abandoned)).build().start()) {
        acked = chatAndAwaitAcks(crashing, 50);
      }

      try (ChatServer recovered = sqliteServer(dataDir).build().start()) {
        List<String> replayed = replay(recovered);
        assertThat(replayed).hasSize(acked.size()).containsExactlyElementsOf(texts(50));
        long next = chatAndAwaitAcks(recovered, 1).get(0);
        assertThat(next).isGreaterThan(acked.get(acked.size() - 1));
        assertThat(recovered.hub().history(new RoomName("dev"), Long.MAX_VALUE, 100))
            .extracting(ChatMessage::seq).doesNotHaveDuplicates().contains(next);
      }
    } finally {
      abandoned.close();
    }
  }

  @Test
  void stopFlushesAndClosesTheStoreOnceEvenWhenStoppedTwice() {
    CountingClose store = new CountingClose(SqliteMessageStore.open(dataDir));
    ChatServer server = sqliteServer(dataDir).store(store).build().start();
    chatAndAwaitAcks(server, 3);

    server.stop(Duration.ofSeconds(5));
    server.stop(Duration.ofSeconds(5));

    assertThat(store.closes).isEqualTo(1);
  }

  /** A store whose close does nothing: the server goes away without flushing or closing it. */
  private static class NeverClosed implements MessageStore {
    final MessageStore delegate;

    NeverClosed(MessageStore delegate) {
      this.delegate = delegate;
    }

    @Override
    public CompletableFuture<ChatMessage> append(MessageDraft draft) {
      return delegate.append(draft);
    }

    @Override
    public List<ChatMessage> readAfter(RoomName room, long afterSeq, int limit) {
      return delegate.readAfter(room, afterSeq, limit);
    }

    @Override
    public List<ChatMessage> readBefore(RoomName room, long beforeSeq, int limit) {
      return delegate.readBefore(room, beforeSeq, limit);
    }

    @Override
    public long latestSeq(RoomName room) {
      return delegate.latestSeq(room);
    }

    @Override
    public List<RoomName> rooms() {
      return delegate.rooms();
    }

    @Override
    public void close() {}
  }

  private static final class CountingClose extends NeverClosed {
    int closes;

    CountingClose(MessageStore delegate) {
      super(delegate);
    }

    @Override
    public void close() {
      closes++;
      delegate.close();
    }
  }
}
