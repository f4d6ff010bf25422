package io.qingliao.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@Timeout(10)
class ProtocolCodecTest {
  private static final RoomName HALL = new RoomName("大厅");

  private static ProtocolError error(String frame) {
    Decoded<ClientRequest> decoded = ProtocolCodec.decodeRequest(frame);
    assertThat(decoded.isOk()).as("%s should be refused", abbreviate(frame)).isFalse();
    return decoded.error();
  }

  private static ClientRequest request(String frame) {
    Decoded<ClientRequest> decoded = ProtocolCodec.decodeRequest(frame);
    assertThat(decoded.error()).as("error for %s", frame).isNull();
    return decoded.value();
  }

  private static String abbreviate(String s) {
    return s.length() < 80 ? s : s.substring(0, 80) + "...";
  }

  @Test
  void plainTextIsAChatIntoTheCurrentRoom() {
    assertThat(request("hello 大家好")).isEqualTo(new ClientRequest.Chat("hello 大家好", null, null));
    assertThat(request("  [1,2]")).isEqualTo(new ClientRequest.Chat("  [1,2]", null, null));
  }

  @Test
  void jsonChatKeepsRoomTextAndCid() {
    assertThat(request("{\"type\":\"chat\",\"text\":\"hi 😀 𠜎\",\"room\":\"大厅\",\"cid\":\"c1\"}"))
        .isEqualTo(new ClientRequest.Chat("hi 😀 𠜎", HALL, "c1"));
  }

  @Test
  void leadingWhiteSpaceBeforeBraceStillMeansJson() {
    assertThat(request("  \n{\"type\":\"ping\",\"cid\":\"p\"}  ")).isEqualTo(new ClientRequest.Ping("p"));
  }

  @Test
  void historyDefaultsLimitToFifty() {
    assertThat(request("{\"type\":\"history\"}")).isEqualTo(new ClientRequest.History(null, null, 50, null));
    assertThat(request("{\"type\":\"history\",\"room\":\"a\",\"before\":7,\"limit\":100}"))
        .isEqualTo(new ClientRequest.History(new RoomName("a"), 7L, 100, null));
  }

  @Test
  void nullFieldsCountAsAbsent() {
    assertThat(request("{\"type\":\"join\",\"room\":\"a\",\"since\":null,\"cid\":null}"))
        .isEqualTo(new ClientRequest.Join(new RoomName("a"), null, null));
  }

  @Test
  void unknownFieldsAreIgnored() {
    assertThat(request("{\"type\":\"ping\",\"extra\":{\"deep\":[1,2,{\"x\":true}]}}"))
        .isEqualTo(new ClientRequest.Ping(null));
  }

  static Stream<Arguments> malformedFrames() {
    return Stream.of(
        Arguments.of("{", ErrorCode.BAD_REQUEST),
        Arguments.of("{}", ErrorCode.BAD_REQUEST),
        Arguments.of("{\"type\":1}", ErrorCode.BAD_REQUEST),
        Arguments.of("{\"type\":\"chat\"}", ErrorCode.BAD_REQUEST),
        Arguments.of("{\"type\":\"chat\",\"text\":5}", ErrorCode.BAD_REQUEST),
        Arguments.of("{\"type\":\"chat\",\"text\":\"   \"}", ErrorCode.BAD_REQUEST),
        Arguments.of("{\"type\":\"chat\",\"text\":\"\\u3000\\u00a0\"}", ErrorCode.BAD_REQUEST),
        Arguments.of("{\"type\":\"chat\",\"text\":\"\"}", ErrorCode.BAD_REQUEST),
        Arguments.of("{\"type\":\"chat\",\"text\":\"" + "x".repeat(4097) + "\"}", ErrorCode.TOO_LONG),
        Arguments.of("{\"type\":\"chat\",\"text\":\"hi\",\"room\":\"a b\"}", ErrorCode.INVALID_ROOM),
        Arguments.of("{\"type\":\"chat\",\"text\":\"hi\",\"room\":\"\"}", ErrorCode.INVALID_ROOM),
        Arguments.of("{\"type\":\"join\"}", ErrorCode.BAD_REQUEST),
        Arguments.of("{\"type\":\"join\",\"room\":\"a/b\"}", ErrorCode.INVALID_ROOM),
        Arguments.of("{\"type\":\"join\",\"room\":\"" + "r".repeat(65) + "\"}", ErrorCode.INVALID_ROOM),
        Arguments.of("{\"type\":\"join\",\"room\":\"a\",\"since\":-1}", ErrorCode.BAD_REQUEST),
        Arguments.of("{\"type\":\"join\",\"room\":\"a\",\"since\":1.5}", ErrorCode.BAD_REQUEST),
        Arguments.of("{\"type\":\"join\",\"room\":\"a\",\"since\":\"3\"}", ErrorCode.BAD_REQUEST),
        Arguments.of("{\"type\":\"history\",\"limit\":0}", ErrorCode.BAD_REQUEST),
        Arguments.of("{\"type\":\"history\",\"limit\":101}", ErrorCode.BAD_REQUEST),
        Arguments.of("{\"type\":\"history\",\"before\":-5}", ErrorCode.BAD_REQUEST),
        Arguments.of("{\"type\":\"nick\"}", ErrorCode.BAD_REQUEST),
        Arguments.of("{\"type\":\"nick\",\"nick\":\"\"}", ErrorCode.INVALID_NICK),
        Arguments.of("{\"type\":\"nick\",\"nick\":\"a\\u0007b\"}", ErrorCode.INVALID_NICK),
        Arguments.of("{\"type\":\"nick\",\"nick\":\"" + "n".repeat(33) + "\"}", ErrorCode.INVALID_NICK),
        Arguments.of("{\"type\":\"dm\",\"text\":\"hi\"}", ErrorCode.BAD_REQUEST),
        Arguments.of("{\"type\":\"dm\",\"to\":\"bob\"}", ErrorCode.BAD_REQUEST),
        Arguments.of("{\"type\":\"dm\",\"to\":\"bob\",\"text\":\"" + "y".repeat(5000) + "\"}", ErrorCode.TOO_LONG),
        Arguments.of("{\"type\":\"shout\"}", ErrorCode.UNKNOWN_TYPE),
        Arguments.of("{\"type\":\"ping\",\"cid\":7}", ErrorCode.BAD_REQUEST),
        Arguments.of("{\"type\":\"ping\",\"cid\":\"" + "c".repeat(65) + "\"}", ErrorCode.BAD_REQUEST),
        Arguments.of("{\"type\":\"ping\"} {}", ErrorCode.BAD_REQUEST),
        Arguments.of("{'type':'ping'}", ErrorCode.BAD_REQUEST),
        Arguments.of("{\"type\":\"ping\",}", ErrorCode.BAD_REQUEST),
        Arguments.of("{\"type\":\"ping\"/*c*/}", ErrorCode.BAD_REQUEST),
        Arguments.of("{\"type\":\"ping\",\"n\":NaN}", ErrorCode.BAD_REQUEST),
        Arguments.of("{\"type\":\"ping\",\"type\":\"chat\"}", ErrorCode.BAD_REQUEST),
        Arguments.of("{\"type\":\"ping\",\"n\":9007199254740992}", ErrorCode.BAD_REQUEST),
        Arguments.of("{\"type\":\"ping\",\"n\":1e3}", ErrorCode.BAD_REQUEST),
        Arguments.of("{\"type\":\"chat\",\"text\":\"a\\ud800\"}", ErrorCode.BAD_REQUEST),
        Arguments.of("lone \ud800 surrogate", ErrorCode.BAD_REQUEST),
        Arguments.of("   ", ErrorCode.BAD_REQUEST),
        Arguments.of("", ErrorCode.BAD_REQUEST),
        Arguments.of("z".repeat(4097), ErrorCode.TOO_LONG));
  }

  @ParameterizedTest
  @MethodSource("malformedFrames")
  void malformedFramesGetTheirErrorCode(String frame, ErrorCode expected) {
    assertThat(error(frame).code()).isEqualTo(expected);
  }

  @Test
  void errorsCarryTheCidWhenItCouldBeRead() {
    assertThat(error("{\"cid\":\"c9\",\"type\":\"nope\"}").cid()).isEqualTo("c9");
    assertThat(error("{\"type\":\"join\",\"room\":\"a b\",\"cid\":\"c8\"}").cid()).isEqualTo("c8");
    assertThat(error("{\"cid\":\"c7\",\"type\":\"chat\",\"text\":[1,").cid()).isEqualTo("c7");
    assertThat(error("{\"cid\":\"c6\",\"type\":\"ping\",\"n\":1e999999}").cid()).isEqualTo("c6");
  }

  @Test
  void maxSafeIntegerIsAccepted() {
    assertThat(request("{\"type\":\"join\",\"room\":\"a\",\"since\":9007199254740991}"))
        .isEqualTo(new ClientRequest.Join(new RoomName("a"), 9007199254740991L, null));
  }

  @Test
  void textOfExactlyTheLimitCountsCodePointsNotChars() {
    String emoji = "😀".repeat(4096);
    assertThat(request("{\"type\":\"chat\",\"text\":\"" + emoji + "\"}")).isEqualTo(new ClientRequest.Chat(emoji, null, null));
    assertThat(error("{\"type\":\"chat\",\"text\":\"" + emoji + "a\"}").code()).isEqualTo(ErrorCode.TOO_LONG);
  }

  @Test
  @Timeout(5)
  void hundredThousandLevelsOfNestingAreRefusedQuickly() {
    String deep = "{\"type\":\"ping\",\"x\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";
    assertThat(error(deep).code()).isEqualTo(ErrorCode.BAD_REQUEST);
    String deepObjects = "{\"a\":".repeat(100_000) + "1" + "}".repeat(100_000);
    assertThat(error(deepObjects).code()).isEqualTo(ErrorCode.BAD_REQUEST);
    assertThat(ProtocolCodec.decodeEvent(deepObjects).isOk()).isFalse();
  }

  @Test
  @Timeout(5)
  void hugeNumbersAreRefusedQuickly() {
    assertThat(error("{\"type\":\"ping\",\"n\":1e999999}").code()).isEqualTo(ErrorCode.BAD_REQUEST);
    assertThat(error("{\"type\":\"history\",\"limit\":" + "9".repeat(400) + "}").code())
        .isEqualTo(ErrorCode.BAD_REQUEST);
    assertThat(error("{\"type\":\"ping\",\"n\":-" + "1".repeat(100_000) + "}").code())
        .isEqualTo(ErrorCode.BAD_REQUEST);
  }

  @Test
  @Timeout(5)
  void oneMegabyteStringsCostLinearTime() {
    String big = "字".repeat(1 << 20);
    assertThat(error("{\"type\":\"chat\",\"text\":\"" + big + "\"}").code()).isEqualTo(ErrorCode.TOO_LONG);
    assertThat(request("{\"type\":\"ping\",\"pad\":\"" + big + "\",\"cid\":\"p\"}")).isEqualTo(new ClientRequest.Ping("p"));
    assertThat(error(big).code()).isEqualTo(ErrorCode.TOO_LONG);
  }

  @Test
  @Timeout(5)
  void manyValuesAndManyKeysAreRefused() {
    StringBuilder wide = new StringBuilder("{\"type\":\"ping\",\"a\":[");
    for (int i = 0; i < 20_000; i++) {
      wide.append(i == 0 ? "" : ",").append('0');
    }
    assertThat(error(wide.append("]}").toString()).code()).isEqualTo(ErrorCode.BAD_REQUEST);
    StringBuilder dupes = new StringBuilder("{\"type\":\"ping\"");
    for (int i = 0; i < 1000; i++) {
      dupes.append(",\"k\":1");
    }
    assertThat(error(dupes.append('}').toString()).code()).isEqualTo(ErrorCode.BAD_REQUEST);
  }

  static Stream<ClientRequest> requests() {
    return Stream.of(
        new ClientRequest.Chat("hi 😀 𠜎 大家好", HALL, "c1"),
        new ClientRequest.Chat("plain", null, null),
        new ClientRequest.Join(HALL, 42L, "j"),
        new ClientRequest.Join(new RoomName("lobby"), null, null),
        new ClientRequest.Leave(HALL, "l"),
        new ClientRequest.Leave(null, null),
        new ClientRequest.History(HALL, 10L, 20, "h"),
        new ClientRequest.History(null, null, 50, null),
        new ClientRequest.Members(HALL, "m"),
        new ClientRequest.NickChange(new Nick("小明😀"), "n"),
        new ClientRequest.Dm(new Nick("bob"), "psst \"quoted\" \\ \n", "d"),
        new ClientRequest.Ping("p"),
        new ClientRequest.Ping(null));
  }

  @ParameterizedTest
  @MethodSource("requests")
  void requestsRoundTrip(ClientRequest request) {
    assertThat(ProtocolCodec.decodeRequest(ProtocolCodec.encodeRequest(request)).value()).isEqualTo(request);
  }

  static Stream<ServerEvent> events() {
    ChatMessage m1 = new ChatMessage("id1", HALL, 1, "小明", "你好 😀 𠜎", 1_700_000_000_000L, "c1");
    ChatMessage m2 = new ChatMessage("id2", HALL, 2, "bob", "yo", 1_700_000_000_001L, null);
    return Stream.of(
        new ServerEvent.Welcome("s1", "guest-1", 30, "qingliao"),
        new ServerEvent.Joined(HALL, List.of("小明", "bob"), 2, List.of(m1, m2), true, "j"),
        new ServerEvent.Joined(HALL, List.of(), 0, List.of(), false, null),
        new ServerEvent.ChatEvent(m1),
        new ServerEvent.ChatEvent(m2),
        new ServerEvent.SystemEvent(HALL, ServerEvent.SystemKind.JOIN, "bob", null, "bob joined", 2, 5),
        new ServerEvent.SystemEvent(HALL, ServerEvent.SystemKind.NICK, "carol", "bob", "bob is now known as carol", 2, 6),
        new ServerEvent.Ack("c1", "id1", HALL, 1, 7),
        new ServerEvent.Ack(null, "dm1", null, 0, 8),
        new ServerEvent.Left(HALL, "l"),
        new ServerEvent.NickChanged("carol", null),
        new ServerEvent.HistoryPage(HALL, List.of(m1, m2), "h"),
        new ServerEvent.MembersList(HALL, List.of("a", "b"), null),
        new ServerEvent.DirectMessage("dm1", "a", "b", "secret 😀", 9),
        new ServerEvent.Pong("p"),
        new ServerEvent.Pong(null),
        new ServerEvent.ErrorEvent(ErrorCode.RATE_LIMITED, "too many frames", "c3"));
  }

  @ParameterizedTest
  @MethodSource("events")
  void eventsRoundTrip(ServerEvent event) {
    assertThat(ProtocolCodec.decodeEvent(ProtocolCodec.encodeEvent(event)).value()).isEqualTo(event);
  }

  @Test
  void chatEventJsonHasTheProtocolFields() {
    ChatMessage m = new ChatMessage("id1", HALL, 3, "小明", "hi", 99, "c1");
    assertThat(ProtocolCodec.encodeEvent(new ServerEvent.ChatEvent(m)))
        .isEqualTo("{\"type\":\"chat\",\"id\":\"id1\",\"room\":\"大厅\",\"seq\":3,\"from\":\"小明\",\"text\":\"hi\",\"ts\":99,\"cid\":\"c1\"}");
    assertThat(ProtocolJson.chat(m).toString()).isEqualTo(ProtocolCodec.encodeEvent(new ServerEvent.ChatEvent(m)));
  }

  @Test
  void errorJsonLeavesOutAMissingCid() {
    assertThat(ProtocolJson.error(ErrorCode.NOT_MEMBER, "not a member", null))
        .isEqualTo("{\"type\":\"error\",\"code\":\"not_member\",\"message\":\"not a member\"}");
    assertThat(ProtocolJson.error(ErrorCode.NOT_MEMBER, "x", "c")).endsWith(",\"cid\":\"c\"}");
  }

  @Test
  void garbageServerFramesGiveErrorValues() {
    assertThat(ProtocolCodec.decodeEvent("hello").error().code()).isEqualTo(ErrorCode.BAD_REQUEST);
    assertThat(ProtocolCodec.decodeEvent("{\"type\":\"teleport\"}").error().code()).isEqualTo(ErrorCode.UNKNOWN_TYPE);
    assertThat(ProtocolCodec.decodeEvent("{\"type\":\"chat\",\"id\":\"x\"}").error().code())
        .isEqualTo(ErrorCode.BAD_REQUEST);
    assertThat(ProtocolCodec.decodeEvent("{\"type\":\"chat\",\"id\":\"x\",\"room\":\"r\",\"seq\":0,"
        + "\"from\":\"a\",\"text\":\"t\",\"ts\":1}").error().code()).isEqualTo(ErrorCode.BAD_REQUEST);
    assertThat(ProtocolCodec.decodeEvent("{\"type\":\"error\",\"code\":\"martian\",\"message\":\"m\"}").isOk())
        .isFalse();
    assertThat(ProtocolCodec.decodeEvent(null).isOk()).isFalse();
  }

  @Test
  void legacyTextRenderingFollowsTheTable() {
    ChatMessage m = new ChatMessage("id1", HALL, 1, "小明", "你好😀", 1, null);
    assertThat(ProtocolCodec.renderText(new ServerEvent.ChatEvent(m))).containsExactly("小明: 你好😀");
    assertThat(ProtocolCodec.renderText(new ServerEvent.DirectMessage("d", "a", "b", "psst", 1)))
        .containsExactly("a: psst");
    assertThat(ProtocolCodec.renderText(
        new ServerEvent.SystemEvent(HALL, ServerEvent.SystemKind.LEAVE, "bob", null, "bob left", 1, 1)))
        .containsExactly("bob left");
    assertThat(ProtocolCodec.renderText(new ServerEvent.ErrorEvent(ErrorCode.TOO_LONG, "too long", "c")))
        .containsExactly("error: too long");
    assertThat(ProtocolCodec.renderText(new ServerEvent.Joined(HALL, List.of(), 1, List.of(m), false, null)))
        .containsExactly("小明: 你好😀");
    assertThat(ProtocolCodec.renderText(new ServerEvent.Welcome("s", "n", 30, "q"))).isEmpty();
    assertThat(ProtocolCodec.renderText(new ServerEvent.Ack("c", "i", HALL, 1, 1))).isEmpty();
    assertThat(ProtocolCodec.renderText(new ServerEvent.Pong(null))).isEmpty();
    assertThat(ProtocolCodec.renderText(new ServerEvent.Left(HALL, null))).isEmpty();
    assertThat(ProtocolCodec.renderText(new ServerEvent.NickChanged("x", null))).isEmpty();
    assertThat(ProtocolCodec.renderText(new ServerEvent.MembersList(HALL, List.of(), null))).isEmpty();
    assertThat(ProtocolCodec.renderText(new ServerEvent.HistoryPage(HALL, List.of(m), null))).isEmpty();
  }
}
