package io.qingliao.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code format=text}: the original mini-program page shows each frame's text as it comes. */
@Timeout(10)
class HubTextFormatTest {
  private final Hub hub = Hub.builder().build();

  private TestClient legacy(String nick, String room, String since) {
    return TestClient.open(hub, new ConnectRequest(nick, room, since, OutputFormat.TEXT, null));
  }

  @Test
  void welcomeAndJoinedAreNotSentButTheReplayIs() {
    hub.publish(new RoomName("大厅"), "小明", "你好 😀").join();
    hub.publish(new RoomName("大厅"), "bob", "hi 𠜎").join();
    TestClient c = legacy("old", "大厅", "0");
    assertThat(c.transport.nextText()).isEqualTo("小明: 你好 😀");
    assertThat(c.transport.nextText()).isEqualTo("bob: hi 𠜎");
    c.assertExhausted();
  }

  @Test
  void chatsSystemNoticesAndErrorsAreRenderedAndTheRestIsNotSent() {
    TestClient c = legacy("old", "r", null);
    TestClient json = TestClient.joined(hub, "bob", "r");
    assertThat(c.transport.nextText()).isEqualTo("bob joined");
    json.send("hey");
    assertThat(c.transport.nextText()).isEqualTo("bob: hey");
    c.send("plain text from the old page");
    assertThat(c.transport.nextText()).isEqualTo("old: plain text from the old page");
    c.assertExhausted(); // no ack
    c.send("{\"type\":\"ping\"}");
    c.send("{\"type\":\"members\"}");
    c.send("{\"type\":\"history\"}");
    c.assertExhausted();
    c.send("{\"type\":\"nope\"}");
    assertThat(c.transport.nextText()).startsWith("error: ");
    json.send(new ClientRequest.Dm(new Nick("old"), "secret", null));
    assertThat(c.transport.nextText()).isEqualTo("bob: secret");
    json.send(new ClientRequest.NickChange(new Nick("carol"), null));
    assertThat(c.transport.nextText()).isEqualTo("bob is now known as carol");
    json.close();
    assertThat(c.transport.nextText()).isEqualTo("carol left");
    c.assertExhausted();
  }

  @Test
  void urlErrorsAreRenderedAsText() {
    TestClient c = legacy("bad\u0001", "bad room", null);
    assertThat(c.transport.nextText()).isEqualTo("error: invalid nick, using a guest nick");
    assertThat(c.transport.nextText()).isEqualTo("error: invalid room name");
    c.assertExhausted();
  }
}
