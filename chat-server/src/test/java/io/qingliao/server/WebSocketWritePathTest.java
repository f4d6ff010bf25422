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
import io.qingliao.server.testing.RecordingWebSocket;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The WebSocket write path end to end (Outbox, AccountingChannel, WriteBatch), on raw sockets
 * that read only when told to: frames reach the socket whole and in order when the socket fills
 * and frames are written in part, with the library's pings and pongs in between, over TCP and
 * TLS; a group commit's chats reach every member once and in order; an error goes out before
 * the close it explains, and a close waits for the frames sent before it; a slow consumer gets
 * whole frames, then 4008, or is cut once the close grace is over, without slowing the others.
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

  @TempDir Path dataDir;

  private final List<AutoCloseable> open = new ArrayList<>();
  private final Map<String, String> nickOfSession = new ConcurrentHashMap<>();
  private final List<String> drops = new CopyOnWriteArrayList<>();
  private final AtomicLong firstDropAt = new AtomicLong();
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
        firstDropAt.compareAndSet(0, System.nanoTime());
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

  private WireClient wire(Wire wire, String pathAndQuery, int receiveBufferBytes) throws IOException {
    WireClient client = WireClient.connect(server.wsPort(), pathAndQuery,
        wire == Wire.TLS ? clientTls : null, receiveBufferBytes);
    open.add(client);
    return client;
  }

  private RecordingWebSocket okhttp(String pathAndQuery) {
    RecordingWebSocket ws = RecordingWebSocket.connect(server.wsPort(), pathAndQuery);
    open.add(ws);
    return ws;
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
    WireClient sender = wire(transport, "/?nick=sender&room=wp", 0);
    sender.readUntilJson("joined");
    sender.startReading("sender");
    WireClient receiver = wire(transport, "/?nick=stalled&room=wp", 4096);
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
    receiver.readUntil(WireClient.PING);
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
        sender.send(WireClient.BINARY, (byte[]) item);
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
      WireClient.Frame frame = sender.next(Duration.ofMillis(50));
      JsonObject json = frame != null && frame.opcode() == WireClient.TEXT ? parse(frame, "sender") : null;
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
      receiver.send(WireClient.PING, ("w" + wsPings++).getBytes(StandardCharsets.UTF_8));
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
      WireClient.Frame frame = receiver.next(Duration.ofMillis(200));
      if (frame == null || frame.opcode() == WireClient.PING) {
        continue; // pings are answered by the reader
      }
      if ((frame.opcode() == WireClient.TEXT || frame.opcode() == WireClient.BINARY)
          && (chatsSeen + binariesSeen) % 4 == 0) {
        // More pongs while the rest goes out, each time the socket fills, in whatever frame.
        receiver.send(WireClient.PING, ("w" + wsPings++).getBytes(StandardCharsets.UTF_8));
      }
      String at = "after " + chatsSeen + " chats and " + binariesSeen + " binary frames";
      assertThat(frame.fin()).as("fin of %s %s", frame, at).isTrue();
      switch (frame.opcode()) {
        case WireClient.PONG -> {
          assertThat(frame.text()).as("pong payload %s", at).isEqualTo("w" + wsPongs);
          wsPongs++;
        }
        case WireClient.BINARY -> {
          assertThat(frame.payload()).as("binary frame %d", binariesSeen).isEqualTo(binaries.get(binariesSeen));
          binariesSeen++;
        }
        case WireClient.TEXT -> {
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
  private static void keepStalledAlive(WireClient client, String cid) throws IOException {
    client.sendJson(ping(cid));
    client.send(WireClient.PONG, new byte[0]);
  }

  // b. One group commit, many chats ----------------------------------------------------------------

  @Test
  @Timeout(30)
  void chatsCompletedTogetherByTheSqliteGroupCommitReachEveryMemberOnceAndInSeqOrder() {
    start(builder(Wire.PLAIN).sqliteStore(dataDir).rateLimit(100_000));
    int senders = 4;
    int perSender = 50;
    List<RecordingWebSocket> members = joinMembers("gc", senders, 3);

    // All senders at once: the store's single writer takes what queued during its last commit
    // in one transaction, and completes those chats one after another in one write scope.
    for (int i = 0; i < perSender; i++) {
      for (int s = 0; s < senders; s++) {
        members.get(s).send(chat("chat " + i + " from s" + s + " " + "x".repeat(200), "s" + s + "-" + i));
      }
    }

    List<List<String>> seen = new ArrayList<>();
    for (RecordingWebSocket member : members) {
      seen.add(awaitChats(member, senders * perSender, senders));
    }
    for (int m = 1; m < members.size(); m++) {
      assertThat(seen.get(m)).as("member %d sees the same chats in the same order as member 0", m)
          .isEqualTo(seen.get(0));
    }
    // And nothing after them but what comes next: the next chat is the next seq, for everyone.
    long lastSeq = server.hub().room(new RoomName("gc")).orElseThrow().seq();
    members.get(0).send(chat("the end", "end"));
    for (RecordingWebSocket member : members) {
      JsonObject next = member.awaitJson("chat");
      assertThat(next.get("cid").getAsString()).isEqualTo("end");
      assertThat(next.get("seq").getAsLong()).isEqualTo(lastSeq + 1);
    }
    assertThat(drops).isEmpty();
  }

  /** {@code senders} members named s0.. and {@code readers} named r0.. in {@code room}, all joined. */
  private List<RecordingWebSocket> joinMembers(String room, int senders, int readers) {
    List<RecordingWebSocket> members = new ArrayList<>();
    for (int s = 0; s < senders; s++) {
      members.add(okhttp("/?nick=s" + s + "&room=" + room));
    }
    for (int r = 0; r < readers; r++) {
      members.add(okhttp("/?nick=r" + r + "&room=" + room));
    }
    for (RecordingWebSocket member : members) {
      member.awaitJson("joined");
    }
    return members;
  }

  /**
   * Reads {@code count} chats and checks them: seq rising by exactly one, each id once, and each
   * sender's chats in the order it sent them. Returns their ids in order.
   */
  private static List<String> awaitChats(RecordingWebSocket member, int count, int senders) {
    List<String> ids = new ArrayList<>();
    int[] nextOfSender = new int[senders];
    long previousSeq = -1;
    for (int i = 0; i < count; i++) {
      JsonObject chat = member.awaitJson("chat");
      long seq = chat.get("seq").getAsLong();
      if (previousSeq >= 0) {
        assertThat(seq).as("seq after %d, chat %d of %d", previousSeq, i, count).isEqualTo(previousSeq + 1);
      }
      previousSeq = seq;
      String[] cid = chat.get("cid").getAsString().substring(1).split("-");
      int sender = Integer.parseInt(cid[0]);
      assertThat(Integer.parseInt(cid[1])).as("chat order of sender s%d", sender).isEqualTo(nextOfSender[sender]++);
      ids.add(chat.get("id").getAsString());
    }
    assertThat(new HashSet<>(ids)).as("distinct ids").hasSize(count);
    return ids;
  }

  // c. An error, then the close it explains ----------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @EnumSource(Wire.class)
  @Timeout(20)
  void theRateLimitErrorsArriveBeforeTheClose1008AndNoFrameFollowsIt(Wire transport) throws Exception {
    // A burst of one and no refill within the test: the first frame passes, the next hundred
    // are refused, the hundredth refusal closes with 1008.
    start(builder(transport).memoryStore().rateLimit(0.001));
    WireClient client = wire(transport, "/?nick=flooder", 0);
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
    WireClient client = wire(transport, "/?nick=flooder&room=cw", 4096);
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
  private static void assertNothingAfterTheClose(WireClient client) throws InterruptedException {
    WireClient.Frame after = client.awaitFrame(Duration.ofSeconds(5));
    assertThat(after == WireClient.END || after.opcode() == WireClient.CUT && after.text().contains("reset"))
        .as("after the close frame, the end of the stream and nothing else, but got %s", after).isTrue();
  }

  /** Sends, in one write, a first ping and as many more as the hub refuses before it closes, and ten after. */
  private static void flood(WireClient client) throws IOException {
    ByteArrayOutputStream flood = new ByteArrayOutputStream();
    for (int i = 0; i <= HubConfig.defaults().refusedFramesBeforeClose() + 10; i++) {
      flood.writeBytes(WireClient.frame(WireClient.TEXT, ping("p" + i).toString().getBytes(StandardCharsets.UTF_8)));
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
  private static List<String> readUntilClose(WireClient client, int code) throws InterruptedException {
    List<String> seen = new ArrayList<>();
    WireClient.Frame frame;
    while ((frame = client.awaitFrame(Duration.ofSeconds(10))).opcode() != WireClient.CLOSE) {
      assertThat(frame.opcode()).as("frame %d before the close: %s", seen.size(), frame)
          .isIn(WireClient.TEXT, WireClient.PING);
      if (frame.opcode() == WireClient.TEXT) {
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

  // d. A slow consumer that never reads ----------------------------------------------------------------

  /** The close grace of a WebSocket close (WsTransport): after it, the TCP connection is cut. */
  private static final Duration CLOSE_GRACE = Duration.ofSeconds(2);

  @Test
  @Timeout(30)
  void aConsumerThatNeverReadsIsClosed4008WhileTheOthersKeepReceivingAndGetsWholeFramesThenTheClose()
      throws Exception {
    start(builder(Wire.PLAIN).memoryStore().rateLimit(100_000).slowConsumerBytes(128 * 1024));
    WireClient slow = wire(Wire.PLAIN, "/?nick=slow&room=sc", 4096);
    slow.readUntilJson("joined");
    RecordingWebSocket alice = okhttp("/?nick=alice&room=sc");
    RecordingWebSocket bob = okhttp("/?nick=bob&room=sc");
    alice.awaitJson("joined");
    bob.awaitJson("joined");

    int sent = chatUntilDroppedAndThenSome(alice, bob);
    long droppedAt = firstDropAt.get();
    assertThat(drops).containsExactly("slow " + CloseCodes.SLOW_CONSUMER);

    // Now the slow consumer reads, well within the close grace: what it gets must be whole frames,
    // chats without a gap from the first (the queue is dropped from the tail; a frame the socket
    // took in part is finished), then the close 4008 (which waited for that frame), then the end,
    // within the protocol's 5 s of the drop.
    long startedReading = System.nanoTime();
    slow.startReading("slow");
    SlowConsumerStream stream = readToTheEnd(slow, droppedAt);

    assertThat(stream.chats()).as("chats the slow consumer got before its end").isPositive().isLessThan(sent);
    if (startedReading - droppedAt < CLOSE_GRACE.minusMillis(500).toNanos()) {
      assertThat(stream.close()).as("the close frame, after the frame the socket had begun (the stream ended: %s)",
          stream.end()).isNotNull();
      assertThat(stream.close().closeCode()).isEqualTo(CloseCodes.SLOW_CONSUMER);
      assertThat(stream.end()).as("the end of the stream after the close").isSameAs(WireClient.END);
    } else if (stream.close() != null) { // a slow machine: the grace may be over, the TCP connection cut
      assertThat(stream.close().closeCode()).isEqualTo(CloseCodes.SLOW_CONSUMER);
    }
    assertTheOthersCarryOn(alice, bob);
  }

  @Test
  @Timeout(30)
  void aConsumerThatStillDoesNotReadAfterTheDropIsCutOnceTheCloseGraceIsOver() throws Exception {
    start(builder(Wire.PLAIN).memoryStore().rateLimit(100_000).slowConsumerBytes(128 * 1024));
    WireClient slow = wire(Wire.PLAIN, "/?nick=slow&room=sc", 4096);
    slow.readUntilJson("joined");
    RecordingWebSocket alice = okhttp("/?nick=alice&room=sc");
    RecordingWebSocket bob = okhttp("/?nick=bob&room=sc");
    alice.awaitJson("joined");
    bob.awaitJson("joined");

    chatUntilDroppedAndThenSome(alice, bob);
    long droppedAt = firstDropAt.get();
    assertThat(drops).containsExactly("slow " + CloseCodes.SLOW_CONSUMER);

    // Past the grace and the sweep that enforces it (once a second), the server has cut the TCP
    // connection: what is left to read ends without a close frame (it never got to the socket),
    // in the middle of a frame or between two. Had the close waited on for the frames before it,
    // reading now would let them and the close out.
    long readAt = droppedAt + CLOSE_GRACE.plusMillis(2_000).toNanos();
    Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(readAt - System.nanoTime())));
    slow.startReading("slow");
    SlowConsumerStream stream = readToTheEnd(slow, droppedAt);

    assertThat(stream.close()).as("a close frame after the TCP connection was cut").isNull();
    assertThat(stream.chats()).isPositive();
    assertTheOthersCarryOn(alice, bob);
  }

  /**
   * Lockstep, 4 KB chats from alice: each must reach bob (within RecordingWebSocket's bound) before
   * the next; goes on until the slow consumer is dropped, and 50 chats more. Returns the chats sent.
   */
  private int chatUntilDroppedAndThenSome(RecordingWebSocket alice, RecordingWebSocket bob) {
    int sent = 0;
    int afterDrop = 0;
    while (afterDrop < 50) {
      assertThat(sent).as("chats sent without the slow consumer being dropped").isLessThan(2_000);
      alice.send(chat(cjkText(sent, 4_000), "c" + sent));
      awaitChat(bob, "c" + sent);
      sent++;
      if (firstDropAt.get() != 0) {
        afterDrop++;
      }
    }
    return sent;
  }

  private static void awaitChat(RecordingWebSocket member, String cid) {
    while (!member.awaitJson("chat").get("cid").getAsString().equals(cid)) {
      // an earlier chat
    }
  }

  /** What a slow consumer read: its chats, the close frame if one came, and how the stream ended. */
  private record SlowConsumerStream(int chats, WireClient.Frame close, WireClient.Frame end) {}

  /**
   * Reads until the end of the stream, which must come within 5 s of {@code droppedAt}: whole
   * frames, valid JSON, chats with no gap in seq, nothing after a close frame.
   */
  private static SlowConsumerStream readToTheEnd(WireClient slow, long droppedAt) throws InterruptedException {
    long previousSeq = -1;
    int chats = 0;
    WireClient.Frame close = null;
    while (true) {
      long left = droppedAt + TimeUnit.SECONDS.toNanos(5) - System.nanoTime();
      assertThat(left).as("the slow consumer's connection ends within 5 s of the drop (%d chats read)", chats)
          .isPositive();
      WireClient.Frame frame = slow.next(Duration.ofNanos(left));
      if (frame == null || frame.opcode() == WireClient.PING) {
        continue;
      }
      if (frame == WireClient.END || frame.opcode() == WireClient.CUT) {
        return new SlowConsumerStream(chats, close, frame);
      }
      assertThat(close).as("a frame after the close frame: %s", frame).isNull();
      if (frame.opcode() == WireClient.CLOSE) {
        close = frame;
        continue;
      }
      assertThat(frame.opcode()).as("opcode of %s", frame).isEqualTo(WireClient.TEXT);
      JsonObject json = parse(frame, "after " + chats + " chats");
      if (json.get("type").getAsString().equals("chat")) {
        long seq = json.get("seq").getAsLong();
        if (previousSeq >= 0) {
          assertThat(seq).as("seq after %d", previousSeq).isEqualTo(previousSeq + 1);
        }
        previousSeq = seq;
        chats++;
      }
    }
  }

  /** The server carries on: the others still chat, a newcomer is served, nobody else was dropped. */
  private void assertTheOthersCarryOn(RecordingWebSocket alice, RecordingWebSocket bob) {
    assertThat(server.hub().members(new RoomName("sc"))).containsExactlyInAnyOrder("alice", "bob");
    // (From the current seq: a replay of the newest 50 chats would be one frame over the limit.)
    long seq = server.hub().room(new RoomName("sc")).orElseThrow().seq();
    RecordingWebSocket carol = okhttp("/?nick=carol&room=sc&since=" + seq);
    carol.awaitJson("joined");
    alice.send(chat("still here", "after"));
    awaitChat(carol, "after");
    awaitChat(bob, "after");
    assertThat(drops).hasSize(1);
  }

  // Helpers -----------------------------------------------------------------------------------------

  private static JsonObject chat(String text, String cid) {
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
  private static String cjkText(int n, int utf8Bytes) {
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

  private static JsonObject parse(WireClient.Frame frame, String where) {
    try {
      return JsonParser.parseString(frame.text()).getAsJsonObject();
    } catch (RuntimeException e) {
      throw new AssertionError("not a JSON object " + where + ": " + abbreviate(frame.text()), e);
    }
  }

  private static String abbreviate(String text) {
    return text.length() <= 300 ? text : text.substring(0, 150) + " … " + text.substring(text.length() - 150);
  }

  /**
   * A WebSocket client written by hand on a socket, plain or TLS, that reads only once told to:
   * until then the server's frames pile up in its (small) receive buffer and then in the server's
   * send buffer and outbox. Once reading, a reader thread answers ping frames and queues every
   * frame; {@link #END} marks the end of the stream.
   */
  static final class WireClient implements Closeable {
    static final int TEXT = 0x1;
    static final int BINARY = 0x2;
    static final int CLOSE = 0x8;
    static final int PING = 0x9;
    static final int PONG = 0xA;
    /** Bytes that are not a frame this server sends (the payload says what); nothing is read after it. */
    static final int CORRUPT = -2;
    /** The stream ended in the middle of a frame, or was reset (the payload says how); the last event. */
    static final int CUT = -3;
    /** The stream ended where a frame would start; the last event. */
    static final Frame END = new Frame(-1, true, new byte[0]);

    record Frame(int opcode, boolean fin, byte[] payload) {
      String text() {
        return new String(payload, StandardCharsets.UTF_8);
      }

      int closeCode() {
        return payload.length >= 2 ? (payload[0] & 0xff) << 8 | (payload[1] & 0xff) : 1005;
      }

      @Override
      public String toString() {
        return "Frame[opcode=" + opcode + ", fin=" + fin + ", " + payload.length + " bytes: "
            + abbreviate(text()) + "]";
      }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
    private Thread reader;

    private WireClient(Socket socket) throws IOException {
      this.socket = socket;
      this.in = new DataInputStream(socket.getInputStream());
      this.out = socket.getOutputStream();
    }

    static WireClient connect(int port, String pathAndQuery, SSLContext tlsOrNull, int receiveBufferBytes)
        throws IOException {
      Socket socket = tlsOrNull == null ? new Socket() : tlsOrNull.getSocketFactory().createSocket();
      try {
        if (receiveBufferBytes > 0) {
          socket.setReceiveBufferSize(receiveBufferBytes);
        }
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout(10_000);
        if (socket instanceof SSLSocket ssl) {
          ssl.startHandshake();
        }
        String request = "GET " + pathAndQuery + " HTTP/1.1\r\n"
            + "Host: 127.0.0.1:" + port + "\r\n"
            + "Upgrade: websocket\r\n"
            + "Connection: Upgrade\r\n"
            + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(new byte[16]) + "\r\n"
            + "Sec-WebSocket-Version: 13\r\n"
            + "\r\n";
        socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
        String status = readHead(socket.getInputStream());
        assertThat(status).as("handshake answer").startsWith("HTTP/1.1 101");
        return new WireClient(socket);
      } catch (IOException | RuntimeException | AssertionError e) {
        socket.close();
        throw e;
      }
    }

    /** One masked, final frame, as a client must send. */
    static byte[] frame(int opcode, byte[] payload) {
      ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
      frame.write(0x80 | opcode);
      if (payload.length < 126) {
        frame.write(0x80 | payload.length);
      } else if (payload.length < 65_536) {
        frame.write(0x80 | 126);
        frame.write(payload.length >>> 8);
        frame.write(payload.length & 0xff);
      } else {
        frame.write(0x80 | 127);
        for (int shift = 56; shift >= 0; shift -= 8) {
          frame.write((int) ((long) payload.length >>> shift) & 0xff);
        }
      }
      byte[] mask = new byte[4];
      ThreadLocalRandom.current().nextBytes(mask);
      frame.writeBytes(mask);
      for (int i = 0; i < payload.length; i++) {
        frame.write(payload[i] ^ mask[i % 4]);
      }
      return frame.toByteArray();
    }

    void send(int opcode, byte[] payload) throws IOException {
      sendRaw(frame(opcode, payload));
    }

    void sendJson(JsonObject json) throws IOException {
      send(TEXT, json.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Writes bytes as they are; the reader thread's pongs and closes take the same lock. */
    synchronized void sendRaw(byte[] bytes) throws IOException {
      out.write(bytes);
      out.flush();
    }

    /** Before {@link #startReading}: reads frames here (answering pings) until one of {@code opcode}. */
    Frame readUntil(int opcode) throws IOException {
      while (true) {
        Frame frame = readFrame();
        if (frame.opcode() == PING) {
          send(PONG, frame.payload());
        }
        if (frame.opcode() == opcode) {
          return frame;
        }
        assertThat(frame.opcode()).as("while waiting for opcode %d: %s", opcode, frame).isIn(TEXT, PING);
      }
    }

    /** Before {@link #startReading}: reads frames here until a JSON frame of {@code type}. */
    JsonObject readUntilJson(String type) throws IOException {
      while (true) {
        Frame frame = readFrame();
        if (frame.opcode() == PING) {
          send(PONG, frame.payload());
        } else if (frame.opcode() == TEXT) {
          JsonObject json = JsonParser.parseString(frame.text()).getAsJsonObject();
          if (json.get("type").getAsString().equals(type)) {
            return json;
          }
        } else {
          fail("expected " + type + " but got " + frame);
        }
      }
    }

    /** Starts the reader thread: from now on frames are read as they come. */
    void startReading(String name) throws IOException {
      socket.setSoTimeout(0); // ends when the socket does
      reader = new Thread(this::readLoop, "wire-client-" + name);
      reader.setDaemon(true);
      reader.start();
    }

    /** The next frame read, {@link #END} or a {@link #CUT} once the stream has ended, or null after {@code timeout}. */
    Frame next(Duration timeout) throws InterruptedException {
      return frames.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** The next frame read, or the end; fails after {@code timeout}. */
    Frame awaitFrame(Duration timeout) throws InterruptedException {
      Frame frame = next(timeout);
      if (frame == null) {
        fail("no frame within " + timeout);
      }
      return frame;
    }

    /** The next JSON frame of {@code type} (skipping others); fails after {@code timeout}. */
    JsonObject awaitJson(String type, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        Frame frame = next(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        if (frame == null || frame.opcode() < 0) {
          fail("no " + type + " within " + timeout + (frame == null ? "" : ": " + frame));
        }
        if (frame.opcode() == TEXT) {
          JsonObject json = JsonParser.parseString(frame.text()).getAsJsonObject();
          if (json.get("type").getAsString().equals(type)) {
            return json;
          }
        }
      }
    }

    private void readLoop() {
      boolean closeAnswered = false;
      try {
        while (true) {
          int b0 = in.read();
          if (b0 < 0) {
            frames.add(END);
            return;
          }
          Frame frame = readFrame(b0);
          if (frame.opcode() == PING) {
            answer(PONG, frame.payload());
          } else if (frame.opcode() == CLOSE && !closeAnswered) {
            closeAnswered = true;
            answer(CLOSE, frame.payload().length >= 2 ? Arrays.copyOf(frame.payload(), 2) : new byte[0]);
          }
          frames.add(frame);
          if (frame.opcode() == CORRUPT) {
            return;
          }
        }
      } catch (IOException e) {
        frames.add(new Frame(CUT, true, e.toString().getBytes(StandardCharsets.UTF_8)));
      }
    }

    /** Sends from the reader; the server may be gone already, which the reading side then shows. */
    private void answer(int opcode, byte[] payload) {
      try {
        send(opcode, payload);
      } catch (IOException gone) {
        // seen by the next read
      }
    }

    private Frame readFrame() throws IOException {
      return readFrame(in.readUnsignedByte());
    }

    private Frame readFrame(int b0) throws IOException {
      int b1 = in.readUnsignedByte();
      long length = b1 & 0x7f;
      if (length == 126) {
        length = in.readUnsignedShort();
      } else if (length == 127) {
        length = in.readLong();
      }
      if ((b0 & 0x70) != 0 || (b1 & 0x80) != 0 || length < 0 || length > 1 << 20) {
        String what = String.format("first bytes 0x%02x 0x%02x, length %d", b0, b1, length);
        return new Frame(CORRUPT, true, what.getBytes(StandardCharsets.UTF_8));
      }
      byte[] payload = new byte[(int) length];
      in.readFully(payload);
      return new Frame(b0 & 0x0f, (b0 & 0x80) != 0, payload);
    }

    private static String readHead(InputStream in) throws IOException {
      StringBuilder head = new StringBuilder();
      while (!head.toString().endsWith("\r\n\r\n")) {
        int b = in.read();
        if (b < 0) {
          throw new EOFException("connection ended during the handshake: " + head);
        }
        head.append((char) b);
      }
      return head.substring(0, head.indexOf("\r\n"));
    }

    @Override
    public void close() throws IOException {
      socket.close();
      Thread t = reader;
      if (t != null) {
        try {
          t.join(5_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }
}
