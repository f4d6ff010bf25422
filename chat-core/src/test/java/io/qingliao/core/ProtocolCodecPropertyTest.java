package io.qingliao.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.StringLength;

/** Properties of the codec: decoders never throw, and encode then decode gives back the value. */
class ProtocolCodecPropertyTest {

  @Property(tries = 2000)
  void decodingAnyStringNeverThrows(@ForAll @StringLength(max = 300) String frame) {
    Decoded<ClientRequest> request = ProtocolCodec.decodeRequest(frame);
    assertThat(request.isOk() ^ request.error() != null).isTrue();
    Decoded<ServerEvent> event = ProtocolCodec.decodeEvent(frame);
    assertThat(event.isOk() ^ event.error() != null).isTrue();
  }

  @Property(tries = 2000)
  void decodingJsonLookingGarbageNeverThrows(@ForAll("jsonish") String frame) {
    Decoded<ClientRequest> request = ProtocolCodec.decodeRequest(frame);
    assertThat(request.isOk() ^ request.error() != null).isTrue();
    assertThat(ProtocolCodec.decodeEvent(frame)).isNotNull();
  }

  @Property(tries = 1000)
  void requestsRoundTrip(@ForAll("requests") ClientRequest request) {
    assertThat(ProtocolCodec.decodeRequest(ProtocolCodec.encodeRequest(request)).value()).isEqualTo(request);
  }

  @Property(tries = 1000)
  void eventsRoundTrip(@ForAll("events") ServerEvent event) {
    assertThat(ProtocolCodec.decodeEvent(ProtocolCodec.encodeEvent(event)).value()).isEqualTo(event);
  }

  @Provide
  Arbitrary<String> jsonish() {
    return Arbitraries.strings().withChars("{}[]\":,0123456789-.eE tfalsenu\\typechatroomcid大😀")
        .ofMaxLength(80).map(s -> "{" + s);
  }

  private static Arbitrary<RoomName> rooms() {
    return Arbitraries.strings().withChars("abcxyz019_-.大厅聊天室é")
        .ofMinLength(1).ofMaxLength(64).map(RoomName::new);
  }

  /** Strings of valid Unicode (no lone surrogates: a WebSocket text frame cannot carry them). */
  private static Arbitrary<String> unicode(int minCodePoints, int maxCodePoints) {
    Arbitrary<Integer> codePoint = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(5, Arbitraries.integers().between(0x20, 0x7E)),
        net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(0, 0xD7FF)),
        net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0xE000, 0x10FFFF)),
        net.jqwik.api.Tuple.of(1, Arbitraries.of(0x1F600, 0x2070E, 0x3000, 0x2028, 0x22, 0x5C, 0)));
    return codePoint.list().ofMinSize(minCodePoints).ofMaxSize(maxCodePoints)
        .map(cps -> cps.stream().collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
            .toString());
  }

  private static Arbitrary<Nick> nicks() {
    return Arbitraries.oneOf(List.of(
        Arbitraries.strings().withChars("abc 小明-_!é").ofMinLength(1).ofMaxLength(16),
        unicode(1, 32).filter(Nick::isValid),
        Arbitraries.of("😀", "𠜎小明", "bob"))).map(Nick::new);
  }

  private static Arbitrary<String> texts() {
    return unicode(1, 200).filter(io.qingliao.core.internal.TextRules::hasNonWhiteSpace);
  }

  private static Arbitrary<String> cids() {
    return unicode(0, 32).filter(c -> c.length() <= 64).injectNull(0.3);
  }

  private static Arbitrary<Long> seqs() {
    return Arbitraries.longs().between(0, (1L << 53) - 1);
  }

  @Provide
  Arbitrary<ClientRequest> requests() {
    Arbitrary<RoomName> optionalRoom = rooms().injectNull(0.3);
    Arbitrary<Long> optionalSeq = seqs().injectNull(0.3);
    return Arbitraries.oneOf(List.of(
        Combinators.combine(texts(), optionalRoom, cids()).as(ClientRequest.Chat::new),
        Combinators.combine(rooms(), optionalSeq, cids()).as(ClientRequest.Join::new),
        Combinators.combine(optionalRoom, cids()).as(ClientRequest.Leave::new),
        Combinators.combine(optionalRoom, optionalSeq, Arbitraries.integers().between(1, 100), cids())
            .as(ClientRequest.History::new),
        Combinators.combine(optionalRoom, cids()).as(ClientRequest.Members::new),
        Combinators.combine(nicks(), cids()).as(ClientRequest.NickChange::new),
        Combinators.combine(nicks(), texts(), cids()).as(ClientRequest.Dm::new),
        cids().map(ClientRequest.Ping::new)));
  }

  private static Arbitrary<ChatMessage> chats() {
    return Combinators.combine(Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(20), rooms(),
        seqs().filter(s -> s > 0), nicks().map(Nick::value), texts(), seqs(), cids())
        .as(ChatMessage::new);
  }

  @Provide
  Arbitrary<ServerEvent> events() {
    Arbitrary<List<String>> names = nicks().map(Nick::value).list().ofMaxSize(5);
    return Arbitraries.oneOf(List.of(
        chats().map(ServerEvent.ChatEvent::new),
        Combinators.combine(rooms(), names, seqs(), chats().list().ofMaxSize(4), Arbitraries.of(true, false), cids())
            .as(ServerEvent.Joined::new),
        Combinators.combine(rooms(), Arbitraries.of(ServerEvent.SystemKind.class), nicks().map(Nick::value),
            nicks().map(Nick::value).injectNull(0.5), texts(), Arbitraries.integers().between(0, 10_000), seqs())
            .as(ServerEvent.SystemEvent::new),
        Combinators.combine(cids(), Arbitraries.strings().alpha().ofMinLength(1), rooms(), seqs().filter(s -> s > 0),
            seqs()).as(ServerEvent.Ack::new),
        Combinators.combine(Arbitraries.strings().alpha().ofMinLength(1), nicks().map(Nick::value),
            nicks().map(Nick::value), texts(), seqs()).as(ServerEvent.DirectMessage::new),
        Combinators.combine(Arbitraries.of(ErrorCode.class), texts(), cids()).as(ServerEvent.ErrorEvent::new),
        Combinators.combine(rooms(), names, cids()).as(ServerEvent.MembersList::new),
        Combinators.combine(rooms(), chats().list().ofMaxSize(3), cids()).as(ServerEvent.HistoryPage::new),
        cids().map(ServerEvent.Pong::new)));
  }
}
