package io.qingliao.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class HubConnectTest {
  private final Hub hub = Hub.builder().config(HubConfig.defaults().withServerName("test-server")).build();

  @AfterEach
  void closeHub() {
    hub.close();
  }

  private TestClient open(String nick, String room, String since) {
    return TestClient.open(hub, new ConnectRequest(nick, room, since, OutputFormat.JSON, null));
  }

  @Test
  void welcomeThenJoinedForTheDefaultLobby() {
    TestClient c = TestClient.open(hub, ConnectRequest.defaults());
    ServerEvent.Welcome welcome = c.next(ServerEvent.Welcome.class);
    assertThat(welcome.session()).isEqualTo(c.session.id());
    assertThat(welcome.nick()).matches("guest-\\d+").isEqualTo(c.session.nick());
    assertThat(welcome.heartbeat()).isEqualTo(30);
    assertThat(welcome.server()).isEqualTo("test-server");
    ServerEvent.Joined joined = c.next(ServerEvent.Joined.class);
    assertThat(joined.room()).isEqualTo(RoomName.LOBBY);
    assertThat(joined.members()).containsExactly(welcome.nick());
    assertThat(joined.seq()).isZero();
    assertThat(joined.history()).isEmpty();
    assertThat(joined.truncated()).isFalse();
    c.assertExhausted();
    assertThat(hub.sessionCount()).isEqualTo(1);
  }

  @Test
  void guestNumbersDiffer() {
    String first = open(null, null, null).next(ServerEvent.Welcome.class).nick();
    String second = open(null, null, null).next(ServerEvent.Welcome.class).nick();
    assertThat(first).isNotEqualTo(second);
  }

  @Test
  void urlNickAndChineseRoomAreUsed() {
    TestClient c = open("小明", "大厅", null);
    assertThat(c.next(ServerEvent.Welcome.class).nick()).isEqualTo("小明");
    ServerEvent.Joined joined = c.next(ServerEvent.Joined.class);
    assertThat(joined.room().value()).isEqualTo("大厅");
    assertThat(joined.members()).containsExactly("小明");
  }

  @Test
  void invalidUrlNickGivesGuestAndInvalidNickAfterWelcome() {
    TestClient c = open("bad\u0001nick", null, null);
    assertThat(c.next(ServerEvent.Welcome.class).nick()).startsWith("guest-");
    c.nextError(ErrorCode.INVALID_NICK);
    c.next(ServerEvent.Joined.class);
    c.assertExhausted();
  }

  @Test
  void takenUrlNickGivesGuestAndNickTakenAfterWelcome() {
    open("alice", null, null);
    TestClient c = open("alice", null, null);
    assertThat(c.next(ServerEvent.Welcome.class).nick()).startsWith("guest-");
    c.nextError(ErrorCode.NICK_TAKEN);
    c.next(ServerEvent.Joined.class);
  }

  @Test
  void sessionsOfTheSameSubjectMayShareANick() {
    TestClient a = TestClient.open(hub, new ConnectRequest("alice", null, null, OutputFormat.JSON, "user-1"));
    TestClient b = TestClient.open(hub, new ConnectRequest("alice", null, null, OutputFormat.JSON, "user-1"));
    TestClient other = TestClient.open(hub, new ConnectRequest("alice", null, null, OutputFormat.JSON, "user-2"));
    assertThat(a.next(ServerEvent.Welcome.class).nick()).isEqualTo("alice");
    assertThat(b.next(ServerEvent.Welcome.class).nick()).isEqualTo("alice");
    assertThat(other.next(ServerEvent.Welcome.class).nick()).startsWith("guest-");
    other.nextError(ErrorCode.NICK_TAKEN);
  }

  @Test
  void invalidUrlRoomGivesInvalidRoomAndNoRoom() {
    TestClient c = open("bob", "no spaces allowed", null);
    c.next(ServerEvent.Welcome.class);
    c.nextError(ErrorCode.INVALID_ROOM);
    c.assertExhausted();
    c.send("hello");
    c.nextError(ErrorCode.NOT_MEMBER);
  }

  @Test
  void badUrlSinceIsReportedThenIgnored() {
    hub.publish(RoomName.LOBBY, "bot", "one").join();
    for (String since : new String[] {"abc", "-1", "1.5", "99999999999999999999"}) {
      TestClient c = open(null, null, since);
      c.next(ServerEvent.Welcome.class);
      c.nextError(ErrorCode.BAD_REQUEST);
      ServerEvent.Joined joined = c.next(ServerEvent.Joined.class);
      assertThat(joined.history()).extracting(ChatMessage::text).containsExactly("one");
    }
  }

  @Test
  void closingLeavesRoomsFreesTheNickAndTellsOthers() {
    TestClient alice = TestClient.joined(hub, "alice", "r");
    TestClient bob = TestClient.joined(hub, "bob", "r");
    alice.next(ServerEvent.SystemEvent.class);
    bob.close();
    ServerEvent.SystemEvent left = alice.next(ServerEvent.SystemEvent.class);
    assertThat(left.event()).isEqualTo(ServerEvent.SystemKind.LEAVE);
    assertThat(left.text()).isEqualTo("bob left");
    assertThat(left.members()).isEqualTo(1);
    assertThat(hub.members(new RoomName("r"))).containsExactly("alice");
    assertThat(hub.sessionCount()).isEqualTo(1);
    bob.close();
    assertThat(open("bob", null, null).next(ServerEvent.Welcome.class).nick()).isEqualTo("bob");
  }

  @Test
  void framesAfterCloseAreIgnored() {
    TestClient c = TestClient.joined(hub, "alice", "r");
    c.close();
    c.send("{\"type\":\"ping\"}");
    c.assertExhausted();
  }

  @Test
  void openAfterCloseClosesTheTransportWithGoingAway() {
    hub.close();
    TestClient c = TestClient.open(hub, ConnectRequest.defaults());
    assertThat(c.transport.closeCode).isEqualTo(CloseCodes.GOING_AWAY);
    c.assertExhausted();
  }

  @Test
  void listenersHearOpensJoinsAndCloses() {
    StringBuffer seen = new StringBuffer();
    Hub observed = Hub.builder().listener(new HubListener() {
      @Override
      public void sessionOpened(String sessionId, String nick) {
        seen.append("open ").append(nick).append(';');
      }

      @Override
      public void joined(RoomName room, String nick) {
        seen.append("join ").append(room).append(' ').append(nick).append(';');
      }

      @Override
      public void left(RoomName room, String nick) {
        seen.append("left ").append(room).append(' ').append(nick).append(';');
      }

      @Override
      public void sessionClosed(String sessionId, String nick, int code) {
        seen.append("close ").append(nick).append(' ').append(code).append(';');
      }
    }).listener(new HubListener() {
      @Override
      public void sessionOpened(String sessionId, String nick) {
        throw new IllegalStateException("a broken listener must not break the hub");
      }
    }).build();
    TestClient c = TestClient.joined(observed, "zoe", "r");
    c.close();
    assertThat(seen.toString()).isEqualTo("open zoe;join r zoe;left r zoe;close zoe 1000;");
  }
}
