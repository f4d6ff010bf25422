package io.qingliao.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.qingliao.core.ChatMessage;
import io.qingliao.core.ProtocolCodec;
import io.qingliao.core.RoomName;
import io.qingliao.core.ServerEvent;
import io.qingliao.core.ServerEvent.ChatEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Delivery rules a real server rarely exercises, driven by a scripted protocol peer: duplicate
 * and skipped seqs, the URL of a resume, and a room whose history was reset.
 */
@Timeout(30)
class ChatClientDeliveryTest {
  private static final Duration WAIT = Duration.ofSeconds(5);

  private static String welcome() {
    return ProtocolCodec.encodeEvent(new ServerEvent.Welcome("s1", "bot", 30, "peer"));
  }

  private static String joined(long seq) {
    return ProtocolCodec.encodeEvent(new ServerEvent.Joined(RoomName.LOBBY, List.of("bot"), seq, List.of(), false, null));
  }

  private static String chat(long seq) {
    return ProtocolCodec.encodeEvent(new ChatEvent(
        new ChatMessage("m" + seq, RoomName.LOBBY, seq, "peer", "text " + seq, 1_000L + seq, null)));
  }

  /** Sends the given frames on open, answers a close, and optionally closes with 1001 itself. */
  private static MockResponse script(boolean thenGoAway, String... frames) {
    return new MockResponse.Builder().webSocketUpgrade(new WebSocketListener() {
      @Override
      public void onOpen(WebSocket webSocket, Response response) {
        for (String frame : frames) {
          webSocket.send(frame);
        }
        if (thenGoAway) {
          webSocket.close(1001, "going away");
        }
      }

      @Override
      public void onClosing(WebSocket webSocket, int code, String reason) {
        webSocket.close(1000, null);
      }
    }).build();
  }

  private static List<Long> seqs(ChatClient client) {
    return client.events().events(ChatEvent.class).stream().map(e -> e.message().seq()).toList();
  }

  @Test
  void duplicateSeqsAreDroppedAndSkippedSeqsReported() throws Exception {
    List<String> missed = new CopyOnWriteArrayList<>();
    try (MockWebServer peer = new MockWebServer()) {
      peer.enqueue(script(false, welcome(), joined(0), chat(1), chat(1), chat(3), chat(2), chat(4)));
      peer.start();
      try (ChatClient client = ChatClient.builder().url(peer.url("/").toString()).nick("bot")
          .listener(new ChatListener() {
            @Override
            public void onMessagesMissed(ChatClient c, RoomName room, long fromSeq, long toSeq) {
              missed.add(room + " " + fromSeq + ".." + toSeq);
            }
          }).connect()) {
        client.await(ChatEvent.class, e -> e.message().seq() == 4, WAIT);

        assertThat(seqs(client)).containsExactly(1L, 3L, 4L);
        assertThat(missed).containsExactly("lobby 2..2");
        assertThat(client.lastSeq("lobby")).isEqualTo(4);
      }
    }
  }

  @Test
  void aResumeDialsWithNickRoomSinceAndTokenAndAcceptsAResetRoom() throws Exception {
    try (MockWebServer peer = new MockWebServer()) {
      // First server: lobby at seq 5, one live message, then it goes away.
      peer.enqueue(script(true, welcome(), joined(5), chat(6)));
      // Second server lost its history (no durable store): the room restarts at seq 0.
      peer.enqueue(script(false, welcome(), joined(0), chat(1)));
      peer.start();
      try (ChatClient client = ChatClient.builder().url(peer.url("/chat").toString()).nick("bot")
          .token("secret").reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(40)).connect()) {
        client.await(ChatEvent.class, e -> e.message().text().equals("text 1"), WAIT);

        RecordedRequest first = peer.takeRequest(5, TimeUnit.SECONDS);
        RecordedRequest second = peer.takeRequest(5, TimeUnit.SECONDS);
        assertThat(first.getUrl().encodedPath()).isEqualTo("/chat");
        assertThat(first.getUrl().queryParameter("nick")).isEqualTo("bot");
        assertThat(first.getUrl().queryParameter("room")).isEqualTo("lobby");
        assertThat(first.getUrl().queryParameter("format")).isEqualTo("json");
        assertThat(first.getUrl().queryParameter("since")).isNull();
        assertThat(first.getUrl().queryParameter("token")).isNull();
        assertThat(first.getHeaders().get("Authorization")).isEqualTo("Bearer secret");
        assertThat(second.getUrl().queryParameter("since")).isEqualTo("6");
        assertThat(seqs(client)).containsExactly(6L, 1L);
        assertThat(client.lastSeq("lobby")).isEqualTo(1);
      }
    }
  }
}
