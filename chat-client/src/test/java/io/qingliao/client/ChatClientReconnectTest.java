package io.qingliao.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.qingliao.core.ChatMessage;
import io.qingliao.core.HubConfig;
import io.qingliao.core.RoomName;
import io.qingliao.core.ServerEvent.ChatEvent;
import io.qingliao.core.ServerEvent.Joined;
import io.qingliao.server.ChatServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client resumes its rooms by itself after the server restarts on the same port and store, and
 * delivers what it missed exactly once, in seq order.
 */
@Timeout(60)
class ChatClientReconnectTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir
  Path dataDir;

  private static ChatServer server(Path dataDir, int port, HubConfig config) {
    return ChatServer.builder().host("127.0.0.1").wsPort(port).httpPort(-1).sqliteStore(dataDir)
        .hubConfig(config).build().start();
  }

  private static ChatClient.Builder client(int port, String nick) {
    return ChatClient.builder().url("ws://127.0.0.1:" + port).nick(nick)
        // Long enough that the restarted server takes messages before alice is back.
        .reconnectBackoff(Duration.ofMillis(1500), Duration.ofSeconds(3));
  }

  @Test
  void reconnectAfterServerRestartDeliversEveryMessageOnceInOrder() throws Exception {
    ChatServer first = server(dataDir, 0, HubConfig.defaults());
    int port = first.wsPort();
    List<String> states = new CopyOnWriteArrayList<>();
    ChatClient alice = client(port, "alice").connectionListener(new ConnectionListener() {
      @Override
      public void onOpen(ChatClient client, io.qingliao.core.ServerEvent.Welcome welcome) {
        states.add("open");
      }

      @Override
      public void onReconnecting(ChatClient client, Duration delay, Throwable cause) {
        states.add("reconnecting");
      }
    }).connect();
    ChatClient bob = client(port, "bob").connect();
    ChatServer second = null;
    try {
      alice.await(Joined.class, WAIT);
      alice.join("ops").get(5, TimeUnit.SECONDS);
      alice.join("lobby").get(5, TimeUnit.SECONDS); // lobby current again
      bob.await(Joined.class, WAIT);
      bob.join("ops").get(5, TimeUnit.SECONDS);
      for (int i = 1; i <= 5; i++) {
        bob.send("lobby", "m" + i).get(5, TimeUnit.SECONDS);
      }
      bob.send("ops", "o1").get(5, TimeUnit.SECONDS);
      alice.await(ChatEvent.class, e -> e.message().text().equals("o1"), WAIT);

      first.stop(Duration.ofSeconds(2));
      second = server(dataDir, port, HubConfig.defaults());
      try (ChatClient carol = client(port, "carol").room("ops").connect()) {
        carol.join("lobby").get(5, TimeUnit.SECONDS);
        for (int i = 6; i <= 25; i++) {
          carol.send("lobby", "m" + i).get(5, TimeUnit.SECONDS);
        }
        for (int i = 2; i <= 4; i++) {
          carol.send("ops", "o" + i).get(5, TimeUnit.SECONDS);
        }
      }
      alice.await(ChatEvent.class, e -> e.message().text().equals("m25"), WAIT);
      alice.await(ChatEvent.class, e -> e.message().text().equals("o4"), WAIT);
      bob.send("lobby", "m26").get(WAIT.toSeconds(), TimeUnit.SECONDS);
      alice.await(ChatEvent.class, e -> e.message().text().equals("m26"), WAIT);

      assertThat(seqs(alice, "lobby")).containsExactlyElementsOf(LongStream.rangeClosed(1, 26).boxed().toList());
      assertThat(texts(alice, "lobby")).allSatisfy(text -> assertThat(text).startsWith("m"));
      assertThat(texts(alice, "ops")).containsExactly("o1", "o2", "o3", "o4");
      assertThat(alice.rooms()).containsExactly(new RoomName("ops"), RoomName.LOBBY);
      assertThat(alice.state()).isEqualTo(ConnectionState.OPEN);
      assertThat(states).containsSubsequence("open", "reconnecting", "open");
    } finally {
      alice.close();
      bob.close();
      if (second != null) {
        second.close();
      }
      first.close();
    }
  }

  @Test
  void aTruncatedReplayIsReportedAsMissed() throws Exception {
    HubConfig smallReplay = HubConfig.defaults().withReplayCap(3);
    ChatServer first = server(dataDir, 0, smallReplay);
    int port = first.wsPort();
    List<String> missed = new CopyOnWriteArrayList<>();
    ChatClient alice = client(port, "alice").listener(new ChatListener() {
      @Override
      public void onMessagesMissed(ChatClient client, RoomName room, long fromSeq, long toSeq) {
        missed.add(room + " " + fromSeq + ".." + toSeq);
      }
    }).connect();
    ChatServer second = null;
    try {
      alice.send("m1").get(5, TimeUnit.SECONDS);
      first.stop(Duration.ofSeconds(2));
      second = server(dataDir, port, smallReplay);
      // Published on the server side within milliseconds, long before alice's first redial.
      for (int i = 2; i <= 10; i++) {
        second.hub().publish(RoomName.LOBBY, "carol", "m" + i).get(5, TimeUnit.SECONDS);
      }
      alice.await(ChatEvent.class, e -> e.message().seq() == 10, WAIT);

      assertThat(missed).containsExactly("lobby 2..7");
      assertThat(seqs(alice, "lobby")).containsExactly(1L, 8L, 9L, 10L);
    } finally {
      alice.close();
      if (second != null) {
        second.close();
      }
      first.close();
    }
  }

  @Test
  void nickAndHavingLeftEveryRoomSurviveAReconnect() throws Exception {
    ChatServer first = server(dataDir, 0, HubConfig.defaults());
    int port = first.wsPort();
    java.util.concurrent.Semaphore opens = new java.util.concurrent.Semaphore(0);
    ChatClient alice = client(port, "alice").reconnectBackoff(Duration.ofMillis(100), Duration.ofMillis(200))
        .connectionListener(new ConnectionListener() {
          @Override
          public void onOpen(ChatClient client, io.qingliao.core.ServerEvent.Welcome welcome) {
            opens.release();
          }
        }).connect();
    ChatServer second = null;
    try {
      assertThat(opens.tryAcquire(5, TimeUnit.SECONDS)).isTrue();
      alice.nick("alicia").get(5, TimeUnit.SECONDS);
      alice.leave("lobby").get(5, TimeUnit.SECONDS);
      alice.events().clear();

      first.stop(Duration.ofSeconds(2));
      second = server(dataDir, port, HubConfig.defaults());
      assertThat(opens.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
      alice.await(io.qingliao.core.ServerEvent.Left.class, e -> e.room().equals(RoomName.LOBBY), WAIT);

      assertThat(alice.events().events(io.qingliao.core.ServerEvent.Welcome.class))
          .extracting(io.qingliao.core.ServerEvent.Welcome::nick).containsExactly("alicia");
      assertThat(alice.nick()).isEqualTo("alicia");
      assertThat(alice.rooms()).isEmpty();
      assertThat(second.hub().members(RoomName.LOBBY)).doesNotContain("alicia");
    } finally {
      alice.close();
      if (second != null) {
        second.close();
      }
      first.close();
    }
  }

  private static List<ChatMessage> messages(ChatClient client, String room) {
    return client.events().events(ChatEvent.class).stream().map(ChatEvent::message)
        .filter(m -> m.room().value().equals(room)).toList();
  }

  private static List<Long> seqs(ChatClient client, String room) {
    return messages(client, room).stream().map(ChatMessage::seq).toList();
  }

  private static List<String> texts(ChatClient client, String room) {
    return messages(client, room).stream().map(ChatMessage::text).toList();
  }
}
