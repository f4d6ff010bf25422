package io.qingliao.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.qingliao.core.ChatMessage;
import io.qingliao.core.CloseCodes;
import io.qingliao.core.HubConfig;
import io.qingliao.core.HubListener;
import io.qingliao.core.RoomName;
import io.qingliao.server.testing.NoLeakedThreads;
import io.qingliao.server.testing.StallingWebSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The WebSocket write path end to end (Outbox, AccountingChannel), on raw sockets that read only
 * when told to: frames reach the socket whole and in order when the socket fills and frames are
 * written in part, with the library's pings and pongs in between, over TCP and TLS; an error goes
 * out before the close it explains, and a close waits for the frames sent before it. (Group
 * commits and slow consumers: {@link WebSocketGroupCommitFanoutTest}, which shares the helpers
 * at the end of this class.)
 */
@Timeout(60)
@ExtendWith(NoLeakedThreads.class)
class WebSocketWritePathTest {
  /** Plain TCP (the sending thread may write) or TLS (only the selector writes). */
  enum Wire {
    PLAIN,
    TLS
  }

  @TempDir static Path keystoreDir;
  static Path keystore;
  static SSLContext clientTls;

  private final List<AutoCloseable> open = new ArrayList<>();
  private final Map<String, String> nickOfSession = new ConcurrentHashMap<>();
  private final List<String> drops = new CopyOnWriteArrayList<>();
  private ChatServer server;

  @BeforeAll
  static void makeKeystore() throws Exception {
    keystore = SecurityTestSupport.generateKeystore(keystoreDir);
    clientTls = SecurityTestSupport.trusting(keystore);
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    if (server != null) {
      server.close();
    }
  }

  /** Loopback, any port, no HTTP side; records which session was dropped with which code. */
  private ChatServer.Builder builder(Wire wire) {
    HubListener recorder = new HubListener() {
      @Override
      public void sessionOpened(String sessionId, String nick) {
        nickOfSession.put(sessionId, nick);
      }

      @Override
      public void sessionDropped(String sessionId, int code, String reason) {
        drops.add(nickOfSession.getOrDefault(sessionId, sessionId) + " " + code);
      }
    };
    ChatServer.Builder builder = ChatServer.builder().host("127.0.0.1").wsPort(0).httpPort(-1).listener(recorder);
    if (wire == Wire.TLS) {
      builder.tls(Tls.fromPkcs12(keystore, SecurityTestSupport.KEYSTORE_PASSWORD.toCharArray()));
    }
    return builder;
  }

  private void start(ChatServer.Builder builder) {
    server = builder.build().start();
  }

  private StallingWebSocket stalling(Wire wire, String pathAndQuery, int receiveBufferBytes) throws IOException {
    StallingWebSocket client = StallingWebSocket.connect(server.wsPort(), pathAndQuery,
        wire == Wire.TLS ? clientTls : null, receiveBufferBytes);
    open.add(client);
    return client;
  }

  // a. Partial writes, library buffers in between, plain and TLS --------------------------------

  /** Slow-consumer limit of the stall test; what is sent while the receiver stalls totals half of it. */
  private static final long STALL_LIMIT = 4L << 20;

  @ParameterizedTest(name = "{0}")
  @EnumSource(Wire.class)
  @Timeout(30)
  void aReceiverThatStallsThenResumesGetsEveryFrameWholeAndInOrderWithPingsAndPongsInBetween(Wire transport)
      throws Exception {
    // Idle timeout 2 s: the library pings every second (its connection-lost check), so pings
    // queue up while the receiver does not read, as do the pongs it asks for.
    start(builder(transport).memoryStore().rateLimit(100_000).idleTimeout(Duration.ofSeconds(2))
        .slowConsumerBytes(STALL_LIMIT));
    StallingWebSocket sender = stalling(transport, "/?nick=sender&room=wp", 0);
    sender.readUntilJson("joined");
    sender.startReading("sender");
    StallingWebSocket receiver = stalling(transport, "/?nick=stalled&room=wp", 4096);
    receiver.readUntilJson("joined");

    // Chats of 3-8 KB, every eighth one of 16 KB (more than one TLS record), and every eighth
    // frame binary data of 40-60 KB (more than one write's copy buffer), relayed as is: half the
    // limit in all, about four times what the server's send buffer (256 KiB) and the receiver's
    // small receive buffer hold, so most of it waits in the outbox and frames are cut where the
    // socket fills; never more than the limit, so no 4008.
    List<String> texts = new ArrayList<>();
    List<byte[]> binaries = new ArrayList<>();
    List<Object> order = new ArrayList<>();
    long bytes = 0;
    for (int i = 0; bytes < STALL_LIMIT / 2; i++) {
      if (i % 8 == 7) {
        byte[] data = binaryData(binaries.size(), 40_000 + (i * 131) % 20_000);
        binaries.add(data);
        order.add(data);
        bytes += data.length;
      } else {
        String text = i % 8 == 3 ? wideText(texts.size(), 4_000) : cjkText(texts.size(), 3_000 + (i * 911) % 5_000);
        texts.add(text);
        order.add(text);
        bytes += text.getBytes(StandardCharsets.UTF_8).length + 200;
      }
    }
    assertThat(bytes).isLessThan(STALL_LIMIT);

    // Fill the socket right after one of the library's pings (the next is a second away), so that
    // none of its buffers waits while the frames go out: the sending threads then write until the
    // socket takes only part of a frame, which stays cut while the receiver stalls.
    // Two pings: the first may be the one every connection gets when it opens (see
    // WebSocketFrontend.pingOnce); the second is surely the library's periodic one. Both
    // clients speak in between: the idle timeout (2 s) counts their frames, not their pongs.
    receiver.readUntil(StallingWebSocket.PING);
    keepStalledAlive(receiver, "j-open");
    sender.sendJson(ping("s-open"));
    receiver.readUntil(StallingWebSocket.PING);
    int jsonPings = 0;
    int chatsSent = 0;
    for (int i = 0; i < order.size(); i++) {
      if (i % 32 == 0) {
        keepStalledAlive(receiver, "j" + jsonPings++); // the JSON pong waits in the outbox, not the library's queue
      }
      Object item = order.get(i);
      if (item instanceof String text) {
        sender.sendJson(chat(text, "c" + chatsSent++));
      } else {
        sender.send(StallingWebSocket.BINARY, (byte[]) item);
      }
    }
    // Every chat is stored and handed to the receiver's connection once the sender has its ack.
    long firstSeq = -1;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    long nextKeepAlive = 0;
    for (int acks = 0; acks < texts.size(); ) {
      assertThat(System.nanoTime()).as("%d of %d acks", acks, texts.size()).isLessThan(deadline);
      if (System.nanoTime() - nextKeepAlive > 0) {
        keepStalledAlive(receiver, "j" + jsonPings++);
        sender.sendJson(ping("s"));
        nextKeepAlive = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
      }
      StallingWebSocket.Frame frame = sender.next(Duration.ofMillis(50));
      JsonObject json = frame != null && frame.opcode() == StallingWebSocket.TEXT ? parse(frame, "sender") : null;
      if (json != null && json.get("type").getAsString().equals("ack")) {
        assertThat(json.get("cid").getAsString()).isEqualTo("c" + acks);
        if (acks == 0) {
          firstSeq = json.get("seq").getAsLong();
        }
        acks++;
      }
    }
    // Now the library's buffers queue behind the frame the socket took in part: the receiver's
    // pings (each answered with a pong) and the library's own pings.
    int wsPings = 0;
    for (int tick = 0; tick < 15; tick++) {
      receiver.send(StallingWebSocket.PING, ("w" + wsPings++).getBytes(StandardCharsets.UTF_8));
      keepStalledAlive(receiver, "j" + jsonPings++);
      sender.sendJson(ping("s"));
      Thread.sleep(100);
    }
    assertThat(drops).as("sessions dropped while the receiver stalled").isEmpty();

    receiver.startReading("receiver");
    int chatsSeen = 0;
    int binariesSeen = 0;
    int jsonPongs = 0;
    int wsPongs = 0;
    Set<String> ids = new HashSet<>();
    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    nextKeepAlive = 0;
    while (chatsSeen < texts.size() || binariesSeen < binaries.size() || jsonPongs < jsonPings || wsPongs < wsPings) {
      assertThat(System.nanoTime()).as("all sent; %d of %d chats, %d of %d binary, %d of %d JSON pongs, %d of %d"
              + " pongs seen", chatsSeen, texts.size(), binariesSeen, binaries.size(), jsonPongs, jsonPings, wsPongs,
          wsPings).isLessThan(deadline);
      if (System.nanoTime() - nextKeepAlive > 0) {
        receiver.sendJson(ping("j" + jsonPings++));
        sender.sendJson(ping("s"));
        nextKeepAlive = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
      }
      StallingWebSocket.Frame frame = receiver.next(Duration.ofMillis(200));
      if (frame == null || frame.opcode() == StallingWebSocket.PING) {
        continue; // pings are answered by the reader
      }
      if ((frame.opcode() == StallingWebSocket.TEXT || frame.opcode() == StallingWebSocket.BINARY)
          && (chatsSeen + binariesSeen) % 4 == 0) {
        // More pongs while the rest goes out, each time the socket fills, in whatever frame.
        receiver.send(StallingWebSocket.PING, ("w" + wsPings++).getBytes(StandardCharsets.UTF_8));
      }
      String at = "after " + chatsSeen + " chats and " + binariesSeen + " binary frames";
      assertThat(frame.fin()).as("fin of %s %s", frame, at).isTrue();
      switch (frame.opcode()) {
        case StallingWebSocket.PONG -> {
          assertThat(frame.text()).as("pong payload %s", at).isEqualTo("w" + wsPongs);
          wsPongs++;
        }
        case StallingWebSocket.BINARY -> {
          assertThat(frame.payload()).as("binary frame %d", binariesSeen).isEqualTo(binaries.get(binariesSeen));
          binariesSeen++;
        }
        case StallingWebSocket.TEXT -> {
          JsonObject json = parse(frame, at);
          switch (json.get("type").getAsString()) {
            case "chat" -> {
              assertThat(json.get("cid").getAsString()).as("cid %s", at).isEqualTo("c" + chatsSeen);
              assertThat(json.get("seq").getAsLong()).as("seq %s", at).isEqualTo(firstSeq + chatsSeen);
              assertThat(json.get("text").getAsString()).as("text of c%d", chatsSeen).isEqualTo(texts.get(chatsSeen));
              assertThat(ids.add(json.get("id").getAsString())).as("id seen once: %s", json.get("id")).isTrue();
              chatsSeen++;
            }
            case "pong" -> {
              assertThat(json.get("cid").getAsString()).as("JSON pong %s", at).isEqualTo("j" + jsonPongs);
              jsonPongs++;
            }
            default -> fail("unexpected frame " + at + ": " + json);
          }
        }
        default -> fail("unexpected frame " + at + ": " + frame);
      }
    }
    assertThat(drops).isEmpty();
    assertThat(server.hub().members(new RoomName("wp"))).containsExactlyInAnyOrder("stalled", "sender");
  }

  /**
   * What a client that does not read sends to stay open past the short idle timeout: a JSON ping
   * (a data frame, for the idle check) and an unsolicited pong (for the connection-lost check).
   */
  private static void keepStalledAlive(StallingWebSocket client, String cid) throws IOException {
    client.sendJson(ping(cid));
    client.send(StallingWebSocket.PONG, new byte[0]);
  }

  // b. An error, then the close it explains ----------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @EnumSource(Wire.class)
  @Timeout(20)
  void theRateLimitErrorsArriveBeforeTheClose1008AndNoFrameFollowsIt(Wire transport) throws Exception {
    // A burst of one and no refill within the test: the first frame passes, the next hundred
    // are refused, the hundredth refusal closes with 1008.
    start(builder(transport).memoryStore().rateLimit(0.001));
    StallingWebSocket client = stalling(transport, "/?nick=flooder", 0);
    client.readUntilJson("joined");

    flood(client);
    client.startReading("flooder");

    assertThat(readUntilClose(client, 1008)).as("every refusal's error, the last one included, before the close frame")
        .isEqualTo(pongThenRefusals());
    assertNothingAfterTheClose(client);
    assertThat(drops).containsExactly("flooder " + CloseCodes.POLICY_VIOLATION);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Wire.class)
  @Timeout(20)
  void aCloseWaitsForTheFramesSentBeforeItThatTheSocketHasNotTakenYet(Wire transport) throws Exception {
    start(builder(transport).memoryStore().rateLimit(0.001).slowConsumerBytes(STALL_LIMIT));
    StallingWebSocket client = stalling(transport, "/?nick=flooder&room=cw", 4096);
    client.readUntilJson("joined");
    // 1.5 MB of chats published by the server itself (no rate limit), while the client does not
    // read: far more than its socket holds, so most of it still waits when the close comes.
    List<CompletableFuture<ChatMessage>> published = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    for (long bytes = 0; bytes < 1_500_000; bytes += texts.get(texts.size() - 1).length() * 3L) {
      texts.add(cjkText(texts.size(), 8_000));
      published.add(server.hub().publish(new RoomName("cw"), "bot", texts.get(texts.size() - 1)));
    }
    long firstSeq = published.get(0).get(5, TimeUnit.SECONDS).seq();
    for (CompletableFuture<ChatMessage> message : published) {
      message.get(5, TimeUnit.SECONDS);
    }

    flood(client);
    client.startReading("flooder"); // well within the close grace

    List<String> expected = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      expected.add("chat " + (firstSeq + i) + " " + texts.get(i).substring(0, texts.get(i).indexOf(':')));
    }
    expected.addAll(pongThenRefusals());
    assertThat(readUntilClose(client, 1008)).as("the chats, then the refusals, then the close").isEqualTo(expected);
    assertNothingAfterTheClose(client);
  }

  /** After the close frame the stream ends (the server may reset it once the close handshake is done). */
  private static void assertNothingAfterTheClose(StallingWebSocket client) throws InterruptedException {
    StallingWebSocket.Frame after = client.awaitFrame(Duration.ofSeconds(5));
    assertThat(after == StallingWebSocket.END || after.opcode() == StallingWebSocket.CUT && after.text().contains("reset"))
        .as("after the close frame, the end of the stream and nothing else, but got %s", after).isTrue();
  }

  /** Sends, in one write, a first ping and as many more as the hub refuses before it closes, and ten after. */
  private static void flood(StallingWebSocket client) throws IOException {
    ByteArrayOutputStream flood = new ByteArrayOutputStream();
    for (int i = 0; i <= HubConfig.defaults().refusedFramesBeforeClose() + 10; i++) {
      flood.writeBytes(StallingWebSocket.frame(StallingWebSocket.TEXT, ping("p" + i).toString().getBytes(StandardCharsets.UTF_8)));
    }
    client.sendRaw(flood.toByteArray());
  }

  /** What {@link #flood} gets with a burst of one: the pong of the first ping, an error for each refused one. */
  private static List<String> pongThenRefusals() {
    List<String> expected = new ArrayList<>();
    expected.add("pong p0");
    for (int i = 1; i <= HubConfig.defaults().refusedFramesBeforeClose(); i++) {
      expected.add("error rate_limited p" + i);
    }
    return expected;
  }

  /**
   * Reads until the close frame, which must carry {@code code}, and describes each text frame
   * before it: "chat seq #n" (the number its text starts with), "pong cid", "error code cid".
   */
  private static List<String> readUntilClose(StallingWebSocket client, int code) throws InterruptedException {
    List<String> seen = new ArrayList<>();
    StallingWebSocket.Frame frame;
    while ((frame = client.awaitFrame(Duration.ofSeconds(10))).opcode() != StallingWebSocket.CLOSE) {
      assertThat(frame.opcode()).as("frame %d before the close: %s", seen.size(), frame)
          .isIn(StallingWebSocket.TEXT, StallingWebSocket.PING);
      if (frame.opcode() == StallingWebSocket.TEXT) {
        JsonObject json = parse(frame, "before the close");
        String type = json.get("type").getAsString();
        if (type.equals("chat")) {
          String text = json.get("text").getAsString();
          seen.add("chat " + json.get("seq").getAsLong() + " " + text.substring(0, text.indexOf(':')));
          assertThat(text).as("text of chat %s", json.get("seq")).isEqualTo(cjkText(
              Integer.parseInt(text.substring(1, text.indexOf(':'))), 8_000));
        } else {
          seen.add(type + (json.has("code") ? " " + json.get("code").getAsString() : "") + " "
              + json.get("cid").getAsString());
        }
      }
    }
    assertThat(frame.closeCode()).as("close code after %d frames", seen.size()).isEqualTo(code);
    return seen;
  }

  // Helpers (chat, cjkText and parse also WebSocketGroupCommitFanoutTest's) -------------------------

  static JsonObject chat(String text, String cid) {
    JsonObject chat = new JsonObject();
    chat.addProperty("type", "chat");
    chat.addProperty("text", text);
    chat.addProperty("cid", cid);
    return chat;
  }

  private static JsonObject ping(String cid) {
    JsonObject ping = new JsonObject();
    ping.addProperty("type", "ping");
    ping.addProperty("cid", cid);
    return ping;
  }

  /**
   * A text of about {@code utf8Bytes} bytes, three bytes a character (CJK, so that it stays within
   * the 4,096 code points a chat may have), different for each {@code n}: a frame cut and resumed
   * at the wrong place, or swapped with another, does not pass for it.
   */
  static String cjkText(int n, int utf8Bytes) {
    StringBuilder text = new StringBuilder("#" + n + ":");
    for (int i = 0; text.length() < utf8Bytes / 3; i++) {
      text.append((char) ('\u4e00' + (n * 31 + i * 7) % 2_000));
    }
    return text.toString();
  }

  /** Like {@link #cjkText} with four bytes a character (CJK extension B): 4,000 of them are 16,000 bytes. */
  private static String wideText(int n, int codePoints) {
    StringBuilder text = new StringBuilder("#" + n + ":");
    for (int i = 0; i < codePoints; i++) {
      text.appendCodePoint(0x20000 + (n * 31 + i * 7) % 2_000);
    }
    return text.toString();
  }

  /** Binary data numbered {@code n} (its first four bytes) and different for each {@code n}. */
  private static byte[] binaryData(int n, int length) {
    byte[] data = new byte[length];
    for (int i = 4; i < length; i++) {
      data[i] = (byte) (n * 31 + i * 7 + i / 251);
    }
    data[0] = (byte) (n >>> 24);
    data[1] = (byte) (n >>> 16);
    data[2] = (byte) (n >>> 8);
    data[3] = (byte) n;
    return data;
  }

  static JsonObject parse(StallingWebSocket.Frame frame, String where) {
    try {
      return JsonParser.parseString(frame.text()).getAsJsonObject();
    } catch (RuntimeException e) {
      throw new AssertionError("not a JSON object " + where + ": " + frame, e);
    }
  }
}
