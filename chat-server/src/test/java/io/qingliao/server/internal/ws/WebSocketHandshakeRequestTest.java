package io.qingliao.server.internal.ws;

import static org.assertj.core.api.Assertions.assertThat;

import io.qingliao.core.OutputFormat;
import io.qingliao.server.Authenticator;
import io.qingliao.server.testing.NoLeakedThreads;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Reading what a client asked for from its handshake's request target and headers. */
@Timeout(10)
@ExtendWith(NoLeakedThreads.class)
class WebSocketHandshakeRequestTest {

  private static HandshakeRequest parse(String resource, Map<String, String> headers) {
    return HandshakeRequest.parse(resource, name -> headers.getOrDefault(name, ""));
  }

  @Test
  void queryValuesArePercentDecodedUtf8OnAnyPath() {
    HandshakeRequest request = parse("/chat/ws?nick=%E5%B0%8F%E6%98%8E&room=%E5%A4%A7%E5%8E%85&since=42&format=TEXT",
        Map.of());

    assertThat(request.nick()).isEqualTo("小明");
    assertThat(request.room()).isEqualTo("大厅");
    assertThat(request.since()).isEqualTo("42");
    assertThat(request.format()).isEqualTo(OutputFormat.TEXT);
    assertThat(request.token()).isNull();
  }

  @Test
  void noQueryMeansDefaults() {
    for (String resource : new String[] {"/", "/ws", "/?", "/?&&", "/?nick=&room="}) {
      HandshakeRequest request = parse(resource, Map.of());

      assertThat(request.nick()).as(resource).isNull();
      assertThat(request.room()).as(resource).isNull();
      assertThat(request.format()).as(resource).isEqualTo(OutputFormat.JSON);
    }
  }

  @Test
  void plusIsASpaceAndTheFirstOccurrenceWins() {
    HandshakeRequest request = parse("/?nick=li+lei&nick=other&room=a%2Bb", Map.of());

    assertThat(request.nick()).isEqualTo("li lei");
    assertThat(request.room()).isEqualTo("a+b");
  }

  @Test
  void malformedEscapesAndInvalidUtf8AreLeftForTheHubToRefuse() {
    assertThat(HandshakeRequest.decode("100%")).isEqualTo("100%");
    assertThat(HandshakeRequest.decode("%zz")).isEqualTo("%zz");
    assertThat(HandshakeRequest.decode("%C3%28")).isEqualTo("%C3%28");
    assertThat(HandshakeRequest.decode("😀%20ok")).isEqualTo("😀 ok");
  }

  @Test
  void theTokenComesFromTheQueryElseFromABearerHeader() {
    assertThat(parse("/?token=abc", Map.of("Authorization", "Bearer xyz")).token()).isEqualTo("abc");
    assertThat(parse("/", Map.of("Authorization", "bearer  xyz ")).token()).isEqualTo("xyz");
    assertThat(parse("/", Map.of("Authorization", "Basic dXNlcjpwdw==")).token()).isNull();
  }

  @Test
  void theOriginHeaderIsKeptAndMatchedIgnoringCaseAndATrailingSlash() {
    WsSettings settings = new WsSettings("127.0.0.1", 0, 10, Duration.ofSeconds(60), 65_536,
        List.of("https://Chat.Example.com/"), Authenticator.anonymous(), null);

    assertThat(parse("/", Map.of("Origin", "https://chat.example.com")).origin()).isEqualTo("https://chat.example.com");
    assertThat(settings.originAllowed("https://chat.example.com")).isTrue();
    assertThat(settings.originAllowed("https://chat.example.com.evil.io")).isFalse();
    assertThat(settings.originAllowed("null")).isFalse();
    assertThat(settings.originAllowed(null)).isTrue();
  }
}
