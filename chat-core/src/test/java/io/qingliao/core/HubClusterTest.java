package io.qingliao.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A hub as one node of a cluster, against a scripted {@link ClusterBroker}: chats from the
 * cluster arrive out of order, twice, or with holes, and members still see one gapless order;
 * failures of the cluster become {@code server_busy} or this node's view.
 */
@Timeout(10)
class HubClusterTest {
  private static final RoomName ROOM = new RoomName("r");

  /** A broker whose history is an in-memory store and whose publishes complete when the test says. */
  static final class ScriptedBroker implements ClusterBroker {
    final InMemoryMessageStore history;
    final List<CompletableFuture<ChatMessage>> inFlight = new ArrayList<>();
    final List<ChatMessage> published = new ArrayList<>();
    final List<ServerEvent.SystemEvent> notices = new ArrayList<>();
    final AtomicInteger gaps = new AtomicInteger();
    final java.util.concurrent.atomic.AtomicLong versions = new java.util.concurrent.atomic.AtomicLong();
    final ConcurrentHashMap<String, Integer> remoteNickHolders = new ConcurrentHashMap<>();
    ClusterEvents events;
    volatile boolean down;

    ScriptedBroker(int historyLength) {
      history = new InMemoryMessageStore(historyLength);
    }

    @Override
    public void attach(ClusterEvents events) {
      this.events = events;
    }

    @Override
    public String nodeId() {
      return "test-node";
    }

    @Override
    public MessageStore store() {
      return history;
    }

    @Override
    public synchronized CompletableFuture<ChatMessage> publish(MessageDraft draft) {
      if (down) {
        return CompletableFuture.failedFuture(new StoreUnavailableException("down"));
      }
      ChatMessage stored = history.append(draft).join();
      published.add(stored);
      CompletableFuture<ChatMessage> reply = new CompletableFuture<>();
      inFlight.add(reply);
      return reply;
    }

    /** Completes the publish replies in the order given (indexes into {@link #inFlight}). */
    void reply(int... order) {
      for (int i : order) {
        inFlight.get(i).complete(published.get(i));
      }
    }

    /** A chat stored by another node; not delivered until the test hands it to the hub. */
    ChatMessage remote(String from, String text) {
      return history.append(new MessageDraft("remote-" + text, ROOM, from, text, 1L, null)).join();
    }

    @Override
    public void roomOpened(RoomName room) {}

    @Override
    public void gapSeen(RoomName room) {
      gaps.incrementAndGet();
    }

    private void check() {
      if (down) {
        throw new StoreUnavailableException("down");
      }
    }

    @Override
    public Presence join(RoomName room, String sessionId, String nick) {
      check();
      List<String> members = new ArrayList<>(List.of("remote-member"));
      members.add(nick);
      return new Presence(members, members.size(), versions.incrementAndGet());
    }

    @Override
    public CompletableFuture<Presence> leave(RoomName room, String sessionId) {
      check();
      return CompletableFuture.completedFuture(new Presence(List.of(), 1, versions.incrementAndGet()));
    }

    @Override
    public long renamed(String sessionId, String nick) {
      check();
      return versions.incrementAndGet();
    }

    @Override
    public void notice(ServerEvent.SystemEvent event, long version) {
      notices.add(event);
    }

    @Override
    public List<String> members(RoomName room) {
      check();
      return List.of("remote-member");
    }

    @Override
    public List<RoomSummary> rooms() {
      check();
      return List.of(new RoomSummary(ROOM, 7, 42));
    }

    @Override
    public Optional<RoomSummary> room(RoomName room) {
      check();
      return Optional.of(new RoomSummary(room, 7, 42));
    }

    @Override
    public String guestNick() {
      check();
      return "guest-100";
    }

    @Override
    public boolean claimNick(String nick, String subject, String sessionId) {
      check();
      return !remoteNickHolders.containsKey(nick);
    }

    @Override
    public void releaseNick(String nick, String sessionId) {}

    @Override
    public int dm(ServerEvent.DirectMessage dm) {
      check();
      return remoteNickHolders.getOrDefault(dm.to(), 0);
    }
  }

  private final ScriptedBroker broker = new ScriptedBroker(1_000);
  private final Hub hub = Hub.builder().cluster(broker).config(HubConfig.defaults().withRateLimitPerSecond(1_000)).build();

  @Test
  void chatsArrivingOutOfOrderAndTwiceAreDeliveredOnceInSeqOrderAndAckedAfterTheirBroadcast() {
    TestClient alice = TestClient.joined(hub, "alice", "r");
    alice.send("{\"type\":\"chat\",\"text\":\"one\",\"cid\":\"1\"}");
    alice.send("{\"type\":\"chat\",\"text\":\"two\",\"cid\":\"2\"}");
    alice.assertExhausted();

    broker.reply(1);
    alice.assertExhausted();
    assertThat(broker.gaps.get()).as("seq 2 arrived before seq 1").isPositive();
    broker.events.chat(broker.published.get(1));
    broker.reply(0);

    assertThat(alice.next(ServerEvent.ChatEvent.class).message().seq()).isEqualTo(1);
    assertThat(alice.next(ServerEvent.Ack.class).cid()).isEqualTo("1");
    assertThat(alice.next(ServerEvent.ChatEvent.class).message().seq()).isEqualTo(2);
    assertThat(alice.next(ServerEvent.Ack.class).cid()).isEqualTo("2");
    broker.events.chat(broker.published.get(0));
    broker.events.chat(broker.published.get(1));
    alice.assertExhausted();
  }

  @Test
  void holesAreFilledFromTheHistoryAndCatchUpReadsToTheLatest() {
    TestClient bob = TestClient.joined(hub, "bob", "r");
    ChatMessage first = broker.remote("carol", "a");
    ChatMessage second = broker.remote("carol", "b");
    ChatMessage third = broker.remote("carol", "c");
    broker.events.chat(third);
    bob.assertExhausted();
    broker.events.fillGaps(ROOM);
    assertThat(bob.next(ServerEvent.ChatEvent.class).message()).isEqualTo(first);
    assertThat(bob.next(ServerEvent.ChatEvent.class).message()).isEqualTo(second);
    assertThat(bob.next(ServerEvent.ChatEvent.class).message()).isEqualTo(third);
    broker.events.chat(second);
    bob.assertExhausted();
    ChatMessage fourth = broker.remote("carol", "d");
    broker.events.fillGaps(ROOM);
    bob.assertExhausted();
    broker.events.catchUp(ROOM);
    assertThat(bob.next(ServerEvent.ChatEvent.class).message()).isEqualTo(fourth);

    TestClient late = TestClient.open(hub, new ConnectRequest("dave", "r", "1", OutputFormat.JSON, null));
    late.next(ServerEvent.Welcome.class);
    ServerEvent.Joined joined = late.next(ServerEvent.Joined.class);
    assertThat(joined.history()).containsExactly(second, third, fourth);
    assertThat(joined.members()).containsExactly("remote-member", "dave");
  }

  @Test
  void catchUpSkipsWhatTheBoundedHistoryNoLongerHolds() {
    ScriptedBroker small = new ScriptedBroker(2);
    Hub node = Hub.builder().cluster(small).build();
    TestClient bob = TestClient.joined(node, "bob", "r");
    for (String text : List.of("a", "b", "c", "d", "e")) {
      small.remote("carol", text);
    }
    small.events.catchUp(ROOM);
    assertThat(bob.next(ServerEvent.ChatEvent.class).message().seq()).isEqualTo(4);
    assertThat(bob.next(ServerEvent.ChatEvent.class).message().seq()).isEqualTo(5);
    bob.assertExhausted();
  }

  @Test
  void remoteNoticesReachOnlyMembersWhoseSnapshotPredatesTheChange() {
    TestClient alice = TestClient.joined(hub, "alice", "r"); // snapshot version 1
    TestClient bob = TestClient.joined(hub, "bob", "r");     // snapshot version 2
    alice.next(ServerEvent.SystemEvent.class);               // bob joined (local)
    ServerEvent.SystemEvent carol = new ServerEvent.SystemEvent(ROOM, ServerEvent.SystemKind.JOIN, "carol", null,
        "carol joined", 3, 1L);
    broker.events.notice(carol, 2); // carol's join happened before bob's snapshot
    assertThat(alice.next(ServerEvent.SystemEvent.class).nick()).isEqualTo("carol");
    bob.assertExhausted();
    broker.events.notice(carol, 3);
    assertThat(alice.next(ServerEvent.SystemEvent.class).nick()).isEqualTo("carol");
    assertThat(bob.next(ServerEvent.SystemEvent.class).nick()).isEqualTo("carol");
  }

  @Test
  void clusterFailuresBecomeServerBusyOrThisNodesView() {
    TestClient alice = TestClient.joined(hub, "alice", "r");
    broker.down = true;
    alice.send("{\"type\":\"chat\",\"text\":\"lost\",\"cid\":\"x\"}");
    assertThat(alice.nextError(ErrorCode.SERVER_BUSY).cid()).isEqualTo("x");
    alice.send("{\"type\":\"dm\",\"to\":\"alice\",\"text\":\"hi\",\"cid\":\"d\"}");
    assertThat(alice.nextError(ErrorCode.SERVER_BUSY).cid()).isEqualTo("d");
    alice.send("{\"type\":\"nick\",\"nick\":\"alicia\",\"cid\":\"n\"}");
    assertThat(alice.nextError(ErrorCode.SERVER_BUSY).cid()).isEqualTo("n");

    TestClient bob = TestClient.open(hub, new ConnectRequest("bob", "r", null, OutputFormat.JSON, null));
    assertThat(bob.next(ServerEvent.Welcome.class).nick()).as("claimed locally while the cluster is away").isEqualTo("bob");
    assertThat(bob.next(ServerEvent.Joined.class).members()).containsExactly("alice", "bob");
    assertThat(broker.published).isEmpty();
  }

  @Test
  void directMessagesAndNicksConsultTheCluster() {
    broker.remoteNickHolders.put("zoe", 1);
    TestClient alice = TestClient.joined(hub, "alice", "r");
    alice.send("{\"type\":\"dm\",\"to\":\"zoe\",\"text\":\"hi\",\"cid\":\"d1\"}");
    assertThat(alice.next(ServerEvent.Ack.class).cid()).isEqualTo("d1");
    alice.send("{\"type\":\"dm\",\"to\":\"nobody\",\"text\":\"hi\",\"cid\":\"d2\"}");
    assertThat(alice.nextError(ErrorCode.NO_SUCH_USER).cid()).isEqualTo("d2");
    alice.send("{\"type\":\"nick\",\"nick\":\"zoe\",\"cid\":\"n\"}");
    assertThat(alice.nextError(ErrorCode.NICK_TAKEN).cid()).isEqualTo("n");

    TestClient guest = TestClient.open(hub, new ConnectRequest(null, "r", null, OutputFormat.JSON, null));
    assertThat(guest.next(ServerEvent.Welcome.class).nick()).isEqualTo("guest-100");
    assertThat(hub.members(ROOM)).containsExactly("remote-member");
    assertThat(hub.rooms()).containsExactly(new RoomSummary(ROOM, 7, 42));
    assertThat(broker.notices).extracting(ServerEvent.SystemEvent::nick).contains("guest-100");
  }
}
