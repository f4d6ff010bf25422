package io.qingliao.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class HubRoomsTest {
  private final Hub hub = Hub.builder().build();
  private static final RoomName A = new RoomName("a");
  private static final RoomName B = new RoomName("b");

  @Test
  void joinTellsTheOthersButNotTheJoiner() {
    TestClient alice = TestClient.joined(hub, "alice", "a");
    TestClient bob = TestClient.open(hub, new ConnectRequest("bob", null, null, OutputFormat.JSON, null));
    bob.next(ServerEvent.Welcome.class);
    bob.next(ServerEvent.Joined.class);
    bob.send("{\"type\":\"join\",\"room\":\"a\",\"cid\":\"j1\"}");
    ServerEvent.Joined joined = bob.next(ServerEvent.Joined.class);
    assertThat(joined.cid()).isEqualTo("j1");
    assertThat(joined.members()).containsExactly("alice", "bob");
    bob.assertExhausted();
    ServerEvent.SystemEvent notice = alice.next(ServerEvent.SystemEvent.class);
    assertThat(notice).isEqualTo(new ServerEvent.SystemEvent(A, ServerEvent.SystemKind.JOIN, "bob", null,
        "bob joined", 2, notice.ts()));
    alice.assertExhausted();
  }

  @Test
  void rejoiningMakesTheRoomCurrentWithoutANotice() {
    TestClient alice = TestClient.joined(hub, "alice", "a");
    TestClient bob = TestClient.joined(hub, "bob", "a");
    alice.next(ServerEvent.SystemEvent.class);
    bob.send(new ClientRequest.Join(B, null, null));
    bob.next(ServerEvent.Joined.class);
    bob.send(new ClientRequest.Join(A, null, null));
    assertThat(bob.next(ServerEvent.Joined.class).room()).isEqualTo(A);
    alice.assertExhausted();
    bob.send("to a");
    assertThat(bob.next(ServerEvent.ChatEvent.class).message().room()).isEqualTo(A);
  }

  @Test
  void currentRoomIsTheLastJoinedAndFallsBackAfterLeaving() {
    TestClient c = TestClient.joined(hub, "carol", "a");
    c.send(new ClientRequest.Join(B, null, null)).next(ServerEvent.Joined.class);
    c.send(new ClientRequest.Join(new RoomName("c"), null, null)).next(ServerEvent.Joined.class);
    c.send("one");
    assertThat(c.next(ServerEvent.ChatEvent.class).message().room().value()).isEqualTo("c");
    c.next(ServerEvent.Ack.class);
    c.send(new ClientRequest.Leave(null, "l1"));
    assertThat(c.next(ServerEvent.Left.class)).isEqualTo(new ServerEvent.Left(new RoomName("c"), "l1"));
    c.send("two");
    assertThat(c.next(ServerEvent.ChatEvent.class).message().room()).isEqualTo(B);
    c.next(ServerEvent.Ack.class);
    c.send(new ClientRequest.Leave(A, null)).next(ServerEvent.Left.class);
    c.send(new ClientRequest.Leave(B, null)).next(ServerEvent.Left.class);
    c.send("three");
    c.nextError(ErrorCode.NOT_MEMBER);
    c.send("{\"type\":\"chat\",\"text\":\"x\",\"cid\":\"q\"}");
    assertThat(c.nextError(ErrorCode.NOT_MEMBER).cid()).isEqualTo("q");
  }

  @Test
  void leaveTellsTheOthersWithTheRemainingCount() {
    TestClient alice = TestClient.joined(hub, "alice", "a");
    TestClient bob = TestClient.joined(hub, "bob", "a");
    alice.next(ServerEvent.SystemEvent.class);
    bob.send(new ClientRequest.Leave(A, "x")).next(ServerEvent.Left.class);
    ServerEvent.SystemEvent notice = alice.next(ServerEvent.SystemEvent.class);
    assertThat(notice.event()).isEqualTo(ServerEvent.SystemKind.LEAVE);
    assertThat(notice.text()).isEqualTo("bob left");
    assertThat(notice.members()).isEqualTo(1);
    bob.assertExhausted();
  }

  @Test
  void leavingOrReadingARoomOneIsNotInIsNotMember() {
    TestClient c = TestClient.joined(hub, "dave", "a");
    c.send(new ClientRequest.Leave(B, "l"));
    assertThat(c.nextError(ErrorCode.NOT_MEMBER).cid()).isEqualTo("l");
    c.send(new ClientRequest.History(B, null, 10, "h"));
    assertThat(c.nextError(ErrorCode.NOT_MEMBER).cid()).isEqualTo("h");
    c.send(new ClientRequest.Chat("hi", B, "c"));
    assertThat(c.nextError(ErrorCode.NOT_MEMBER).cid()).isEqualTo("c");
  }

  @Test
  void sixteenRoomsAtMost() {
    TestClient c = TestClient.joined(hub, "erin", "r0");
    for (int i = 1; i < 16; i++) {
      c.send(new ClientRequest.Join(new RoomName("r" + i), null, null)).next(ServerEvent.Joined.class);
    }
    c.send(new ClientRequest.Join(new RoomName("r16"), null, "over"));
    assertThat(c.nextError(ErrorCode.ROOM_LIMIT).cid()).isEqualTo("over");
    c.send(new ClientRequest.Join(new RoomName("r3"), null, null));
    assertThat(c.next(ServerEvent.Joined.class).room().value()).isEqualTo("r3");
  }

  @Test
  void membersListsNicksInJoinOrder() {
    TestClient alice = TestClient.joined(hub, "alice", "a");
    TestClient.joined(hub, "bob", "a");
    alice.next(ServerEvent.SystemEvent.class);
    alice.send(new ClientRequest.Members(null, "m"));
    assertThat(alice.next(ServerEvent.MembersList.class))
        .isEqualTo(new ServerEvent.MembersList(A, java.util.List.of("alice", "bob"), "m"));
    alice.send(new ClientRequest.Members(new RoomName("empty"), null));
    assertThat(alice.next(ServerEvent.MembersList.class).members()).isEmpty();
    assertThat(hub.members(A)).containsExactly("alice", "bob");
  }

  @Test
  void nickChangeRepliesAndTellsEveryRoomOnce() {
    TestClient bob = TestClient.joined(hub, "bob", "a");
    bob.send(new ClientRequest.Join(B, null, null)).next(ServerEvent.Joined.class);
    TestClient inA = TestClient.joined(hub, "ann", "a");
    TestClient inB = TestClient.joined(hub, "ben", "b");
    bob.transport.drain();
    bob.send(new ClientRequest.NickChange(new Nick("carol"), "n1"));
    assertThat(bob.next(ServerEvent.NickChanged.class)).isEqualTo(new ServerEvent.NickChanged("carol", "n1"));
    bob.assertExhausted();
    for (TestClient other : new TestClient[] {inA, inB}) {
      ServerEvent.SystemEvent notice = other.next(ServerEvent.SystemEvent.class);
      assertThat(notice.event()).isEqualTo(ServerEvent.SystemKind.NICK);
      assertThat(notice.nick()).isEqualTo("carol");
      assertThat(notice.old()).isEqualTo("bob");
      assertThat(notice.text()).isEqualTo("bob is now known as carol");
      other.assertExhausted();
    }
    assertThat(bob.session.nick()).isEqualTo("carol");
    assertThat(hub.members(A)).containsExactly("carol", "ann");
    TestClient newBob = TestClient.open(hub, new ConnectRequest("bob", null, null, OutputFormat.JSON, null));
    assertThat(newBob.next(ServerEvent.Welcome.class).nick()).isEqualTo("bob");
  }

  @Test
  void nickTakenAndInvalidNickAreRefused() {
    TestClient bob = TestClient.joined(hub, "bob", "a");
    TestClient.joined(hub, "carol", "b");
    bob.send(new ClientRequest.NickChange(new Nick("carol"), "n"));
    assertThat(bob.nextError(ErrorCode.NICK_TAKEN).cid()).isEqualTo("n");
    bob.send("{\"type\":\"nick\",\"nick\":\"" + "x".repeat(40) + "\",\"cid\":\"m\"}");
    assertThat(bob.nextError(ErrorCode.INVALID_NICK).cid()).isEqualTo("m");
    assertThat(bob.session.nick()).isEqualTo("bob");
  }

  @Test
  void changingToTheSameNickJustReplies() {
    TestClient bob = TestClient.joined(hub, "bob", "a");
    TestClient ann = TestClient.joined(hub, "ann", "a");
    bob.transport.drain();
    bob.send(new ClientRequest.NickChange(new Nick("bob"), null));
    bob.next(ServerEvent.NickChanged.class);
    ann.assertExhausted();
  }

  @Test
  void dmReachesEveryLiveSessionOfTheNick() {
    TestClient a1 = TestClient.open(hub, new ConnectRequest("alice", "x", null, OutputFormat.JSON, "u1"));
    TestClient a2 = TestClient.open(hub, new ConnectRequest("alice", "y", null, OutputFormat.JSON, "u1"));
    a1.transport.drain();
    a2.transport.drain();
    TestClient bob = TestClient.joined(hub, "bob", "z");
    bob.send(new ClientRequest.Dm(new Nick("alice"), "psst 😀", "d1"));
    ServerEvent.Ack ack = bob.next(ServerEvent.Ack.class);
    assertThat(ack.cid()).isEqualTo("d1");
    assertThat(ack.room()).isNull();
    for (TestClient a : new TestClient[] {a1, a2}) {
      ServerEvent.DirectMessage dm = a.next(ServerEvent.DirectMessage.class);
      assertThat(dm.id()).isEqualTo(ack.id());
      assertThat(dm.from()).isEqualTo("bob");
      assertThat(dm.to()).isEqualTo("alice");
      assertThat(dm.text()).isEqualTo("psst 😀");
    }
  }

  @Test
  void dmToNobodyIsNoSuchUser() {
    TestClient bob = TestClient.joined(hub, "bob", "z");
    bob.send(new ClientRequest.Dm(new Nick("ghost"), "hello?", "d2"));
    assertThat(bob.nextError(ErrorCode.NO_SUCH_USER).cid()).isEqualTo("d2");
  }

  @Test
  void pingGetsPongWithCid() {
    TestClient c = TestClient.joined(hub, "pat", "a");
    c.send("{\"type\":\"ping\",\"cid\":\"hb\"}");
    assertThat(c.next(ServerEvent.Pong.class).cid()).isEqualTo("hb");
    c.send("{\"type\":\"ping\"}");
    assertThat(c.transport.nextText()).isEqualTo("{\"type\":\"pong\"}");
  }

  @Test
  void badFramesAreAnsweredAndTheSessionStaysUsable() {
    TestClient c = TestClient.joined(hub, "pat", "a");
    c.send("{\"type\":\"warp\",\"cid\":\"w\"}");
    assertThat(c.nextError(ErrorCode.UNKNOWN_TYPE).cid()).isEqualTo("w");
    c.send("{oops");
    c.nextError(ErrorCode.BAD_REQUEST);
    c.send(new ClientRequest.Join(A, null, null));
    c.next(ServerEvent.Joined.class);
    c.send("{\"type\":\"join\",\"room\":\"bad room\"}");
    c.nextError(ErrorCode.INVALID_ROOM);
    assertThat(c.transport.closeCode).isNull();
  }

  @Test
  void roomsListsLiveAndStoredRoomsAndForgetsEmptyOnes() {
    TestClient c = TestClient.joined(hub, "pat", "a");
    hub.publish(B, "bot", "stored").join();
    c.send(new ClientRequest.Join(new RoomName("temp"), null, null)).next(ServerEvent.Joined.class);
    assertThat(hub.rooms()).extracting(s -> s.room().value()).containsExactly("a", "b", "temp");
    c.send(new ClientRequest.Leave(new RoomName("temp"), null)).next(ServerEvent.Left.class);
    assertThat(hub.rooms()).containsExactly(new RoomSummary(A, 1, 0), new RoomSummary(B, 0, 1));
    assertThat(hub.room(new RoomName("temp"))).isEmpty();
    assertThat(hub.room(B)).contains(new RoomSummary(B, 0, 1));
    c.send(new ClientRequest.Join(new RoomName("temp"), null, null));
    assertThat(c.next(ServerEvent.Joined.class).members()).containsExactly("pat");
  }
}
