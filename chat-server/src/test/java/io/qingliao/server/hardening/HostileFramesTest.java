package io.qingliao.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.qingliao.server.ChatServer;
import io.qingliao.server.testing.NoLeakedThreads;
import io.qingliao.server.testing.TestServers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A corpus of hostile frames over real sockets. Each gets its protocol error (the connection
 * stays open) or its close code, and after each a healthy pair in the same room still chats
 * within 500 ms. Most servers here take frames up to 2 MiB so that megabyte strings and
 * 100,000-level nesting reach the JSON decoder instead of stopping at the frame limit.
 */
@Timeout(60)
@ExtendWith(NoLeakedThreads.class)
class HostileFramesTest {
  private static final int BIG_FRAMES = 2 << 20;
  private static final String MEGABYTE = "x".repeat(1 << 20);

  private final List<AutoCloseable> open = new ArrayList<>();
  private ChatServer server;
  private HealthyPair healthy;

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private void start(ChatServer.Builder builder) {
    server = builder.build().start();
    healthy = HealthyPair.open(server.wsPort(), "lobby");
    open.add(healthy);
  }

  private void startLenient() {
    start(TestServers.memory().rateLimit(100_000).maxFrameBytes(BIG_FRAMES));
  }

  private HostileSocket hostile(String query) throws IOException {
    HostileSocket socket = HostileSocket.upgraded(server.wsPort(), "/" + query);
    open.add(socket);
    socket.awaitJson("welcome");
    socket.awaitJson("joined");
    return socket;
  }

  /**
   * Sends each frame in turn, followed by a ping: the frames the server answers before the pong
   * must hold exactly one error, with the expected code. The connection stays open throughout.
   */
  private void assertErrors(HostileSocket socket, Map<String, String> expected) throws IOException {
    Map<String, String> wrong = new LinkedHashMap<>();
    int n = 0;
    for (Map.Entry<String, String> c : expected.entrySet()) {
      String cid = "alive-" + n++;
      socket.sendText(c.getKey());
      socket.sendText("{\"type\":\"ping\",\"cid\":\"" + cid + "\"}");
      List<String> answers = new ArrayList<>();
      while (true) {
        JsonObject frame = socket.awaitJson(null);
        String type = frame.get("type").getAsString();
        if (type.equals("pong") && cid.equals(frame.get("cid").getAsString())) {
          break;
        }
        if (!type.equals("system") && !type.equals("chat")) {
          answers.add(type.equals("error") ? frame.get("code").getAsString() : type);
        }
      }
      if (!answers.equals(List.of(c.getValue()))) {
        String what = c.getKey().length() > 80 ? c.getKey().substring(0, 80) + "…" : c.getKey();
        wrong.put(what, "expected " + c.getValue() + " but got " + answers);
      }
    }
    assertThat(wrong).as("frames answered otherwise").isEmpty();
    healthy.assertStillChatting();
  }

  @Test
  void malformedAndTruncatedJsonIsBadRequestAndTheConnectionStaysOpen() throws IOException {
    startLenient();
    HostileSocket socket = hostile("?nick=malformed");
    Map<String, String> cases = new LinkedHashMap<>();
    for (String frame : List.of("{", "{\"", "{\"type\"", "{\"type\":", "{\"type\":\"chat\",\"text\":\"hi\"",
        "{\"type\":\"chat\",\"text\":\"hi", "{\"type\":\"ping\",}", "{'type':'ping'}", "{type:ping}",
        "{\"type\":\"ping\"}}", "{\"type\":\"ping\"}{\"type\":\"ping\"}", "{\"type\":\"ping\"} x",
        "{\"type\":\"ping\" /* comment */}", "{\"type\":\"ping\",\"x\":NaN}", "{\"type\":\"ping\",\"x\":Infinity}",
        "{\"type\":\"ping\",\"x\":undefined}", "{\"type\":\"ping\",\"type\":\"chat\"}", "{\"type\":\"ping\",\"x\":01}",
        "{\"type\":\"ping\",\"x\":\"\\x41\"}", "{\"type\":\"ping\",\"x\":\"\\u12\"}", "{\"type\":\"ping\",\"x\":[1,]}",
        "{\"type\":\"ping\",\"x\":\"a\u0000b\"}", "{\"type\":\"ping\",\"x\":\"tab\there\"}", "{}", "{\"cid\":\"c\"}",
        "{\"type\":null}", "   {\"type\":\"chat\",\"text\":")) {
      cases.put(frame, "bad_request");
    }
    cases.put("{\"type\":\"nope\"}", "unknown_type");
    cases.put("{\"type\":\"\"}", "unknown_type");
    assertErrors(socket, cases);

    socket.sendText("{\"type\":\"ping\",\"cid\":\"kept\",\"broken\":");
    JsonObject error = socket.awaitJson("error");
    assertThat(error.get("code").getAsString()).isEqualTo("bad_request");
    assertThat(error.get("cid").getAsString()).as("cid read before the problem is echoed").isEqualTo("kept");
  }

  @Test
  void deepNestingHugeNumbersAndWrongTypesAreBadRequest() throws IOException {
    startLenient();
    HostileSocket socket = hostile("?nick=typed");
    Map<String, String> cases = new LinkedHashMap<>();
    int depth = 100_000;
    cases.put("{\"type\":\"ping\",\"x\":" + "[".repeat(depth) + "]".repeat(depth) + "}", "bad_request");
    cases.put("{\"type\":\"ping\",\"x\":" + "{\"a\":".repeat(depth) + "1" + "}".repeat(depth) + "}", "bad_request");
    cases.put("{\"type\":\"ping\",\"x\":" + "[".repeat(depth) + "}", "bad_request");
    cases.put("{\"type\":\"ping\",\"x\":" + "[0,".repeat(depth) + "0" + "]".repeat(depth) + "}", "bad_request");
    cases.put("{\"type\":\"ping\",\"x\":[" + "0,".repeat(200_000) + "0]}", "bad_request");
    for (String number : List.of("1e999999", "-1e999999", "9".repeat(400), "123456789012345678901234567890",
        "9007199254740992", "1.5", "1e3", "-0.0", "0x10", "+1", ".5")) {
      cases.put("{\"type\":\"history\",\"limit\":" + number + "}", "bad_request");
      cases.put("{\"type\":\"join\",\"room\":\"lobby\",\"since\":" + number + "}", "bad_request");
      cases.put("{\"type\":\"ping\",\"unknown\":" + number + "}", "bad_request");
    }
    cases.put("{\"type\":\"history\",\"limit\":0}", "bad_request");
    cases.put("{\"type\":\"history\",\"limit\":101}", "bad_request");
    cases.put("{\"type\":\"history\",\"before\":-1}", "bad_request");
    cases.put("{\"type\":\"join\",\"room\":\"lobby\",\"since\":-1}", "bad_request");
    List<String> wrongValues = List.of("1", "true", "[]", "{}", "[\"lobby\"]", "{\"a\":\"b\"}");
    for (String v : wrongValues) {
      cases.put("{\"type\":" + v + "}", "bad_request");
      cases.put("{\"type\":\"ping\",\"cid\":" + v + "}", "bad_request");
      cases.put("{\"type\":\"chat\",\"text\":" + v + "}", "bad_request");
      cases.put("{\"type\":\"chat\",\"text\":\"t\",\"room\":" + v + "}", "bad_request");
      cases.put("{\"type\":\"join\",\"room\":" + v + "}", "bad_request");
      cases.put("{\"type\":\"leave\",\"room\":" + v + "}", "bad_request");
      cases.put("{\"type\":\"history\",\"room\":" + v + "}", "bad_request");
      cases.put("{\"type\":\"members\",\"room\":" + v + "}", "bad_request");
      cases.put("{\"type\":\"nick\",\"nick\":" + v + "}", "bad_request");
      cases.put("{\"type\":\"dm\",\"to\":" + v + ",\"text\":\"t\"}", "bad_request");
      cases.put("{\"type\":\"dm\",\"to\":\"healthy\",\"text\":" + v + "}", "bad_request");
    }
    for (String v : List.of("\"5\"", "true", "[5]", "{}")) {
      cases.put("{\"type\":\"history\",\"limit\":" + v + "}", "bad_request");
      cases.put("{\"type\":\"history\",\"before\":" + v + "}", "bad_request");
      cases.put("{\"type\":\"join\",\"room\":\"lobby\",\"since\":" + v + "}", "bad_request");
    }
    assertErrors(socket, cases);
  }

  @Test
  void megabyteStringsInEveryFieldGetTheirErrors() throws IOException {
    startLenient();
    HostileSocket socket = hostile("?nick=big");
    Map<String, String> cases = new LinkedHashMap<>();
    cases.put("{\"type\":\"chat\",\"text\":\"" + MEGABYTE + "\"}", "too_long");
    cases.put("{\"type\":\"dm\",\"to\":\"big\",\"text\":\"" + MEGABYTE + "\"}", "too_long");
    cases.put("{\"type\":\"chat\",\"text\":\"t\",\"room\":\"" + MEGABYTE + "\"}", "invalid_room");
    cases.put("{\"type\":\"join\",\"room\":\"" + MEGABYTE + "\"}", "invalid_room");
    cases.put("{\"type\":\"nick\",\"nick\":\"" + MEGABYTE + "\"}", "invalid_nick");
    cases.put("{\"type\":\"dm\",\"to\":\"" + MEGABYTE + "\",\"text\":\"t\"}", "invalid_nick");
    cases.put("{\"type\":\"ping\",\"cid\":\"" + MEGABYTE + "\"}", "bad_request");
    cases.put("{\"type\":\"" + MEGABYTE + "\"}", "unknown_type");
    cases.put("{\"" + MEGABYTE + "\":1}", "bad_request");
    cases.put(MEGABYTE, "too_long"); // a plain-text frame is a chat
    cases.put("{\"type\":\"chat\",\"text\":\"" + "\\u5b57".repeat(4097) + "\"}", "too_long");
    assertErrors(socket, cases);

    socket.sendText("{\"type\":\"ping\",\"cid\":\"padded\",\"pad\":\"" + MEGABYTE + "\"}");
    assertThat(socket.awaitJson("pong").get("cid").getAsString()).as("unknown fields are ignored").isEqualTo("padded");
  }

  @Test
  void controlCharactersAreRefusedInNicksAndRoomsAndKeptInText() throws IOException {
    startLenient();
    HostileSocket socket = hostile("?nick=ctl");
    Map<String, String> cases = new LinkedHashMap<>();
    for (String bad : List.of("\\u0000", "a\\u0000b", "\\u0007bell", "esc\\u001b[31m", "cr\\r\\nlf", "tab\\t",
        "del\\u007f", "\\u0085next", "\\ud800", "lone\\udc00")) {
      cases.put("{\"type\":\"nick\",\"nick\":\"" + bad + "\"}", bad.contains("\\ud") ? "bad_request" : "invalid_nick");
      cases.put("{\"type\":\"join\",\"room\":\"" + bad + "\"}", bad.contains("\\ud") ? "bad_request" : "invalid_room");
      cases.put("{\"type\":\"dm\",\"to\":\"" + bad + "\",\"text\":\"t\"}", bad.contains("\\ud") ? "bad_request" : "invalid_nick");
    }
    for (String room : List.of("lobby/x", "../etc", "a b", "", "%00", "ro\\u200bom")) {
      cases.put("{\"type\":\"join\",\"room\":\"" + room + "\"}", "invalid_room");
    }
    cases.put("{\"type\":\"chat\",\"text\":\"\\ud83d\"}", "bad_request");
    cases.put("{\"type\":\"chat\",\"text\":\" \\u3000\\u2028\\t\\n\"}", "bad_request");
    assertErrors(socket, cases);

    // Text may hold control characters: it is stored and relayed exactly, JSON-escaped.
    socket.sendText("{\"type\":\"chat\",\"text\":\"a\\u0000b\\u001b[31m\\r\\n\\u2028c\",\"cid\":\"ctl\"}");
    assertThat(socket.awaitJson("ack").get("cid").getAsString()).isEqualTo("ctl");
    JsonObject relayed = healthy.receiver().awaitJson("chat");
    assertThat(relayed.get("text").getAsString()).isEqualTo("a\u0000b\u001b[31m\r\n\u2028c");

    // The same in the URL: the session opens with a guest nick and reports both.
    HostileSocket url = HostileSocket.upgraded(server.wsPort(), "/?nick=a%00b&room=lo%07bby");
    open.add(url);
    assertThat(url.awaitJson("welcome").get("nick").getAsString()).startsWith("guest-");
    assertThat(url.awaitErrorCode()).isEqualTo("invalid_nick");
    assertThat(url.awaitErrorCode()).isEqualTo("invalid_room");
    url.assertAlive("url");
    healthy.assertStillChatting();
  }

  @Test
  void invalidUtf8InAnyFormCloses1007() throws IOException {
    startLenient();
    List<byte[]> payloads = List.of(
        bytes(0xC3, 0x28),                    // bad continuation
        bytes(0xC0, 0xAF),                    // overlong '/'
        bytes(0xE0, 0x80, 0xAE),              // overlong '.'
        bytes(0xED, 0xA0, 0x80),              // UTF-16 surrogate encoded
        bytes(0xF4, 0x90, 0x80, 0x80),        // above U+10FFFF
        bytes(0xF8, 0x88, 0x80, 0x80, 0x80),  // 5-byte form
        bytes(0xFF),
        bytes('o', 'k', 0xE5, 0xAD));         // truncated at the end
    for (byte[] tail : payloads) {
      HostileSocket socket = hostile("?nick=utf8-" + (tail[0] & 0xff));
      byte[] frame = concat("{\"type\":\"chat\",\"text\":\"".getBytes(StandardCharsets.UTF_8), tail, "\"}".getBytes(StandardCharsets.UTF_8));
      socket.sendFrame(HostileSocket.TEXT, true, frame);
      assertThat(socket.awaitCloseCode()).as("close for %s", Arrays.toString(tail)).isEqualTo(1007);
      healthy.assertStillChatting();
    }
    // A character split across two fragments is fine; a fragment that breaks it is not.
    HostileSocket split = hostile("?nick=split");
    byte[] zi = "字".getBytes(StandardCharsets.UTF_8);
    split.sendFrame(HostileSocket.TEXT, false, concat("{\"type\":\"chat\",\"cid\":\"z\",\"text\":\"".getBytes(StandardCharsets.UTF_8), new byte[] {zi[0]}));
    split.sendFrame(HostileSocket.CONTINUATION, true, concat(new byte[] {zi[1], zi[2]}, "\"}".getBytes(StandardCharsets.UTF_8)));
    assertThat(split.awaitJson("ack").get("cid").getAsString()).isEqualTo("z");
    split.sendFrame(HostileSocket.TEXT, false, concat("{\"type\":\"chat\",\"text\":\"".getBytes(StandardCharsets.UTF_8), new byte[] {zi[0]}));
    split.sendFrame(HostileSocket.CONTINUATION, true, concat(new byte[] {'x', zi[2]}, "\"}".getBytes(StandardCharsets.UTF_8)));
    assertThat(split.awaitCloseCode()).isEqualTo(1007);
    healthy.assertStillChatting();
  }

  @Test
  void aTextSplitInThousandsOfContinuationFramesArrivesWhole() throws IOException {
    startLenient();
    HostileSocket socket = hostile("?nick=fragments");
    String text = "片段".repeat(2_000);
    byte[] whole = ("{\"type\":\"chat\",\"cid\":\"frag\",\"text\":\"" + text + "\"}").getBytes(StandardCharsets.UTF_8);
    // 4,000 frames of three bytes (UTF-8 characters split across frames too), written in one go.
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    int size = (whole.length + 3_999) / 4_000;
    for (int at = 0; at < whole.length; at += size) {
      int end = Math.min(whole.length, at + size);
      int opcode = at == 0 ? HostileSocket.TEXT : HostileSocket.CONTINUATION;
      wire.writeBytes(HostileSocket.frame(opcode, end == whole.length, Arrays.copyOfRange(whole, at, end)));
    }
    socket.write(wire.toByteArray());
    assertThat(socket.awaitJson("ack").get("cid").getAsString()).isEqualTo("frag");
    JsonObject relayed = healthy.receiver().awaitJson("chat");
    assertThat(relayed.get("text").getAsString()).isEqualTo(text);

    // Ping frames may interleave with the fragments of a message.
    socket.sendFrame(HostileSocket.TEXT, false, "{\"type\":\"ping\",".getBytes(StandardCharsets.UTF_8));
    socket.write(HostileSocket.frame(0x80 | HostileSocket.PING, "hi".getBytes(StandardCharsets.UTF_8), true));
    socket.sendFrame(HostileSocket.CONTINUATION, true, "\"cid\":\"mid\"}".getBytes(StandardCharsets.UTF_8));
    assertThat(socket.awaitJson("pong").get("cid").getAsString()).isEqualTo("mid");
    healthy.assertStillChatting();
  }

  @Test
  void messagesOverTheLimitClose1009HoweverTheyArrive() throws IOException {
    start(TestServers.memory().rateLimit(100_000));
    HostileSocket text = hostile("?nick=over");
    text.sendText("{\"type\":\"chat\",\"text\":\"" + "a".repeat(65_536) + "\"}");
    assertThat(text.awaitCloseCode()).isEqualTo(1009);
    healthy.assertStillChatting();

    // Fragments that never end: refused as soon as they pass the limit, not at the last one.
    HostileSocket endless = hostile("?nick=endless");
    endless.sendFrame(HostileSocket.TEXT, false, "a".repeat(40_000).getBytes(StandardCharsets.UTF_8));
    endless.sendFrame(HostileSocket.CONTINUATION, false, "b".repeat(30_000).getBytes(StandardCharsets.UTF_8));
    assertThat(endless.awaitCloseCode()).isEqualTo(1009);
    healthy.assertStillChatting();

    // Empty or one-byte fragments by the thousand: each costs the server a buffer, so a message
    // may come in at most 4,096 of them.
    for (int payload : new int[] {0, 1}) {
      HostileSocket tiny = hostile("?nick=tiny" + payload);
      ByteArrayOutputStream wire = new ByteArrayOutputStream();
      wire.writeBytes(HostileSocket.frame(HostileSocket.TEXT, false, new byte[] {'a'}));
      for (int i = 0; i < 20_000; i++) {
        wire.writeBytes(HostileSocket.frame(HostileSocket.CONTINUATION, false, new byte[payload]));
      }
      try {
        tiny.write(wire.toByteArray());
      } catch (IOException e) {
        // The server may close before reading everything; the close code is what counts.
      }
      assertThat(tiny.awaitCloseCode()).as("%d-byte fragments", payload).isEqualTo(1009);
      healthy.assertStillChatting();
    }

    // A header that announces 2^62 bytes is refused from the header, nothing is allocated.
    HostileSocket liar = hostile("?nick=liar");
    liar.write(new byte[] {(byte) 0x81, (byte) (0x80 | 127), 0x40, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4});
    assertThat(liar.awaitCloseCode()).isIn(1009, 1002);
    healthy.assertStillChatting();
  }

  @Test
  void protocolViolationsClose1002() throws IOException {
    startLenient();
    Map<String, byte[]> violations = new LinkedHashMap<>();
    byte[] ping = "{\"type\":\"ping\"}".getBytes(StandardCharsets.UTF_8);
    violations.put("unmasked client frame", HostileSocket.frame(0x81, ping, false));
    violations.put("unmasked frame after a masked one",
        concat(HostileSocket.frame(0x81, ping, true), HostileSocket.frame(0x81, ping, false)));
    violations.put("RSV1 without an extension", HostileSocket.frame(0xC1, ping, true));
    violations.put("RSV3", HostileSocket.frame(0x91, ping, true));
    violations.put("reserved data opcode 3", HostileSocket.frame(0x83, ping, true));
    violations.put("reserved control opcode 0xB", HostileSocket.frame(0x8B, new byte[0], true));
    violations.put("continuation with nothing to continue", HostileSocket.frame(0x80, ping, true));
    violations.put("fragmented ping", HostileSocket.frame(0x09, new byte[] {1}, true));
    violations.put("ping over 125 bytes", HostileSocket.frame(0x89, new byte[126], true));
    violations.put("new text frame inside a fragmented one",
        concat(HostileSocket.frame(0x01, "{".getBytes(StandardCharsets.UTF_8), true), HostileSocket.frame(0x81, ping, true)));
    violations.put("close frame with a one-byte payload", HostileSocket.frame(0x88, new byte[] {3}, true));
    violations.put("close frame with code 1005", HostileSocket.frame(0x88, new byte[] {0x03, (byte) 0xED}, true));
    violations.put("negative 64-bit length",
        new byte[] {(byte) 0x81, (byte) 0xFF, (byte) 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4});
    Map<String, String> outcomes = new LinkedHashMap<>();
    int n = 0;
    for (Map.Entry<String, byte[]> violation : violations.entrySet()) {
      HostileSocket socket = hostile("?nick=proto-" + n++);
      socket.write(violation.getValue());
      String outcome;
      try {
        outcome = "close " + socket.awaitCloseCode();
        socket.awaitEndOfStream(Duration.ofSeconds(5));
      } catch (IOException | AssertionError e) {
        outcome = e.toString();
      }
      outcomes.put(violation.getKey(), outcome);
      healthy.assertStillChatting();
    }
    assertThat(outcomes).allSatisfy((what, outcome) -> assertThat(outcome).as(what)
        .isIn("close 1002", what.contains("length") ? "close 1009" : "close 1002"));
    assertThat(server.hub().sessionCount()).isEqualTo(2);
  }

  @Test
  void aBinaryFloodIsRateLimitedThenClosed1008() throws IOException {
    start(TestServers.memory());
    HostileSocket observer = hostile("?nick=observer");
    HostileSocket flood = hostile("?nick=flood");
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    for (int i = 0; i < 5_000; i++) {
      wire.writeBytes(HostileSocket.frame(HostileSocket.BINARY, true, new byte[] {1, 2, 3, 4, 5, 6, 7, 8}));
    }
    long floodStart = System.nanoTime();
    try {
      flood.write(wire.toByteArray());
    } catch (IOException e) {
      // Closed mid-flood: expected once 100 frames in a row were refused.
    }
    int rateLimited = 0;
    int close;
    while (true) {
      HostileSocket.Frame frame = flood.readFrame();
      if (frame.opcode() == HostileSocket.CLOSE) {
        close = frame.closeCode();
        break;
      }
      if (frame.opcode() == HostileSocket.TEXT && frame.text().contains("\"rate_limited\"")) {
        rateLimited++;
      }
    }
    double seconds = (System.nanoTime() - floodStart) / 1e9;
    assertThat(close).isEqualTo(1008);
    // 100 refused in a row close it; the bucket refills at 20/s meanwhile, which may break a row.
    assertThat(rateLimited).isBetween(100, 100 + (int) (20 * seconds) * 100);
    // What passed the limit (the burst, 40) was relayed to the others; nothing more.
    observer.sendText("{\"type\":\"ping\",\"cid\":\"count\"}");
    int binaries = 0;
    while (true) {
      HostileSocket.Frame frame = observer.readFrame();
      if (frame.opcode() == HostileSocket.BINARY) {
        binaries++;
      } else if (frame.opcode() == HostileSocket.TEXT && frame.text().contains("\"pong\"")) {
        break;
      }
    }
    assertThat(binaries).as("relayed in %.1f s", seconds).isBetween(40, 41 + (int) (20 * seconds));
    healthy.assertStillChatting();
  }

  private static byte[] bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      b[i] = (byte) values[i];
    }
    return b;
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }
}
