package io.qingliao.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.qingliao.core.ChatMessage;
import io.qingliao.core.RoomName;
import io.qingliao.server.SqliteMessageStore;
import io.qingliao.server.testing.NoLeakedThreads;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of the server process while clients chat, then a restart on the same SQLite store:
 * every acked message is in history with the seq its ack gave, each room's seqs are gapless,
 * and the restarted server goes on after the last stored seq (never reusing one).
 */
@Timeout(120)
@ExtendWith(NoLeakedThreads.class)
class CrashRecoveryTest {
  private static final List<String> ROOMS = List.of("alpha", "大厅");
  private static final int WRITERS_PER_ROOM = 2;
  private static final int IN_FLIGHT = 25;

  @TempDir Path dataDir;

  private List<String> args() {
    return List.of("--host", "127.0.0.1", "--ws-port", "0", "--http-port", "-1", "--store", "sqlite",
        "--data-dir", dataDir.toString(), "--rate-limit", "100000");
  }

  @Test
  void everyAckedMessageSurvivesKill9AndSeqsAreGaplessAndNeverReused() throws Exception {
    Map<String, Map<Long, String>> acked = new HashMap<>(); // room -> seq -> cid
    ROOMS.forEach(r -> acked.put(r, new HashMap<>()));
    int sent = 0;
    try (ChildServer first = ChildServer.start(args())) {
      List<HostileSocket> writers = new ArrayList<>();
      List<String> writerRooms = new ArrayList<>();
      try {
        for (String room : ROOMS) {
          for (int w = 0; w < WRITERS_PER_ROOM; w++) {
            HostileSocket ws = HostileSocket.upgraded(first.wsPort(), "/?nick=w" + writers.size() + "&room=" + encode(room));
            ws.awaitJson("joined");
            writers.add(ws);
            writerRooms.add(room);
          }
        }
        // Steady load: each writer keeps IN_FLIGHT chats unacknowledged; 30 rounds, then the kill
        // lands while the last round is in flight.
        for (int round = 0; round <= 30; round++) {
          for (HostileSocket ws : writers) {
            for (int i = 0; i < IN_FLIGHT; i++) {
              ws.sendText("{\"type\":\"chat\",\"text\":\"load " + sent + "\",\"cid\":\"c" + sent++ + "\"}");
            }
          }
          if (round == 30) {
            first.kill9();
          }
          for (int w = 0; w < writers.size(); w++) {
            readAcks(writers.get(w), acked.get(writerRooms.get(w)), round == 30 ? Integer.MAX_VALUE : IN_FLIGHT);
          }
        }
      } finally {
        for (HostileSocket ws : writers) {
          ws.close();
        }
      }
    }
    int ackedCount = acked.values().stream().mapToInt(Map::size).sum();
    assertThat(ackedCount).as("acked before the kill").isGreaterThanOrEqualTo(30 * IN_FLIGHT * ROOMS.size() * WRITERS_PER_ROOM);

    Map<String, Long> after = new HashMap<>();
    try (ChildServer second = ChildServer.start(args())) {
      for (String room : ROOMS) {
        try (HostileSocket ws = HostileSocket.upgraded(second.wsPort(), "/?nick=after&room=" + encode(room))) {
          JsonObject joined = ws.awaitJson("joined");
          long latest = joined.get("seq").getAsLong();
          ws.sendText("{\"type\":\"chat\",\"text\":\"after the crash\",\"cid\":\"after\"}");
          long seq = ws.awaitJson("ack").get("seq").getAsLong();
          assertThat(seq).as("first seq after the restart in %s", room).isEqualTo(latest + 1);
          after.put(room, seq);
        }
      }
      second.terminate();
    }

    try (SqliteMessageStore store = SqliteMessageStore.open(dataDir)) {
      for (String room : ROOMS) {
        List<ChatMessage> history = store.readAfter(new RoomName(room), 0, 1_000_000);
        List<Long> seqs = history.stream().map(ChatMessage::seq).toList();
        assertThat(seqs).as("gapless seqs in %s", room)
            .isEqualTo(LongStream.rangeClosed(1, history.size()).boxed().toList());
        Map<Long, String> cids = new HashMap<>();
        history.forEach(m -> cids.put(m.seq(), m.cid()));
        assertThat(cids).as("every acked message of %s, under the seq its ack gave", room)
            .containsAllEntriesOf(acked.get(room));
        assertThat(history.get(history.size() - 1).text()).isEqualTo("after the crash");
        assertThat(after.get(room)).as("seq of the first message after the restart").isEqualTo(history.size());
        System.out.printf("kill -9: room %s: %d acked before the kill, %d stored (acked + in flight), restart went on at %d%n",
            room, acked.get(room).size(), history.size() - 1, after.get(room));
      }
    }
    System.out.printf("kill -9: %d chats sent, %d acked before the kill%n", sent, ackedCount);
  }

  /** Reads acks into {@code acked} until {@code count} came, or the connection ended. */
  private static void readAcks(HostileSocket ws, Map<Long, String> acked, int count) {
    int got = 0;
    try {
      while (got < count) {
        HostileSocket.Frame frame = ws.readFrame();
        if (frame.opcode() == HostileSocket.CLOSE) {
          return;
        }
        if (frame.opcode() == HostileSocket.TEXT && frame.text().startsWith("{\"type\":\"ack\"")) {
          JsonObject ack = JsonParser.parseString(frame.text()).getAsJsonObject();
          String previous = acked.put(ack.get("seq").getAsLong(), ack.get("cid").getAsString());
          assertThat(previous).as("a seq acked twice").isNull();
          got++;
        }
      }
    } catch (IOException endOfStream) {
      // The server was killed: whatever was acked before is counted.
    }
  }

  private static String encode(String room) {
    return URLEncoder.encode(room, StandardCharsets.UTF_8);
  }
}
