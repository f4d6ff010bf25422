package io.qingliao.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.qingliao.core.ChatMessage;
import io.qingliao.core.ServerEvent.Ack;
import io.qingliao.core.ServerEvent.ChatEvent;
import io.qingliao.core.ServerEvent.Joined;
import io.qingliao.server.ChatServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Two clients writing at once see every message of the room once, in one order. */
@Timeout(30)
class ChatClientOrderTest {

  @Test
  void twoClientsSeeEachOtherInTheSameOrder() throws Exception {
    try (ChatServer server = ChatServer.builder().host("127.0.0.1").wsPort(0).httpPort(-1).memoryStore().build().start();
        ChatClient alice = ChatClient.builder().url("ws://127.0.0.1:" + server.wsPort()).nick("alice").connect();
        ChatClient bob = ChatClient.builder().url("ws://127.0.0.1:" + server.wsPort()).nick("bob").connect()) {
      // welcome opens the client; the URL room's joined comes right after it.
      alice.await(Joined.class, Duration.ofSeconds(5));
      bob.await(Joined.class, Duration.ofSeconds(5));

      List<CompletableFuture<Ack>> acks = new ArrayList<>();
      for (int i = 0; i < 15; i++) {
        acks.add(alice.send("a" + i));
        acks.add(bob.send("b" + i));
      }
      CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
      alice.await(ChatEvent.class, e -> e.message().seq() == 30, Duration.ofSeconds(5));
      bob.await(ChatEvent.class, e -> e.message().seq() == 30, Duration.ofSeconds(5));

      List<ChatMessage> seenByAlice = messages(alice);
      List<ChatMessage> seenByBob = messages(bob);
      assertThat(seenByAlice).extracting(ChatMessage::seq)
          .containsExactlyElementsOf(LongStream.rangeClosed(1, 30).boxed().toList());
      assertThat(seenByBob).isEqualTo(seenByAlice);
      assertThat(seenByAlice).filteredOn(m -> m.from().equals("alice")).extracting(ChatMessage::text)
          .containsExactly(texts("a"));
      assertThat(seenByAlice).filteredOn(m -> m.from().equals("bob")).extracting(ChatMessage::text)
          .containsExactly(texts("b"));
    }
  }

  private static List<ChatMessage> messages(ChatClient client) {
    return client.events().events(ChatEvent.class).stream().map(ChatEvent::message).toList();
  }

  private static String[] texts(String prefix) {
    String[] texts = new String[15];
    for (int i = 0; i < texts.length; i++) {
      texts[i] = prefix + i;
    }
    return texts;
  }
}
