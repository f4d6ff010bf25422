package io.qingliao.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many transport threads into one room: every member must see seqs 1..N exactly once, in one
 * order, whether appends complete at once or later on another thread; and a member that keeps
 * leaving and re-joining with {@code since} must still see every message exactly once.
 */
@Timeout(60)
class HubConcurrencyTest {
  private static final int SENDERS = 8;
  private static final int CHATS_PER_SENDER = 1000;
  private static final int MEMBERS = 50;
  private static final int TOTAL = SENDERS * CHATS_PER_SENDER;
  private static final HubConfig UNLIMITED = HubConfig.defaults().withRateLimitPerSecond(1_000_000).withReplayCap(TOTAL);

  @Test
  void everyMemberSeesEverySeqOnceInOneOrderWithAnImmediateStore() throws Exception {
    run(new InMemoryMessageStore(TOTAL));
  }

  @Test
  void everyMemberSeesEverySeqOnceInOneOrderWhenAppendsCompleteLaterOnAnotherThread() throws Exception {
    try (DelayedStore store = new DelayedStore(new InMemoryMessageStore(TOTAL))) {
      run(store);
    }
  }

  private void run(MessageStore store) throws Exception {
    Hub hub = Hub.builder().store(store).config(UNLIMITED).build();
    List<TestClient> members = new ArrayList<>();
    for (int i = 0; i < MEMBERS; i++) {
      members.add(TestClient.joined(hub, "m" + i, "busy"));
    }
    TestClient rejoiner = TestClient.joined(hub, "rejoiner", "busy");
    for (TestClient m : members) {
      m.transport.texts.clear();
    }
    rejoiner.transport.texts.clear();

    ExecutorService pool = Executors.newFixedThreadPool(SENDERS + 1);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> senders = new ArrayList<>();
      for (int s = 0; s < SENDERS; s++) {
        TestClient sender = members.get(s);
        int id = s;
        senders.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < CHATS_PER_SENDER; i++) {
            sender.send("{\"type\":\"chat\",\"text\":\"s" + id + "-" + i + "\",\"cid\":\"" + i + "\"}");
          }
          return null;
        }));
      }
      RejoinObserver observer = new RejoinObserver(rejoiner);
      Future<?> rejoining = pool.submit(() -> {
        start.await();
        for (int round = 0; round < 40; round++) {
          observer.leaveAndRejoin();
          Thread.sleep(1);
        }
        return null;
      });
      start.countDown();
      for (Future<?> f : senders) {
        f.get(30, TimeUnit.SECONDS);
      }
      rejoining.get(30, TimeUnit.SECONDS);
      for (TestClient m : members) {
        awaitChats(m, TOTAL);
      }
      List<Long> expected = LongStream.rangeClosed(1, TOTAL).boxed().toList();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      do {
        observer.consume();
      } while (observer.lastSeen() < TOTAL && System.nanoTime() < deadline);
      int diff = firstDifference(observer.seen, expected);
      assertThat(diff).as("rejoiner: first index that differs, around it %s; log %s",
          diff < 0 ? "" : observer.seen.subList(Math.max(0, diff - 3), Math.min(observer.seen.size(), diff + 3)),
          observer.log).isEqualTo(-1);

      List<String> reference = chatFrames(members.get(0));
      assertThat(reference).hasSize(TOTAL);
      List<Long> seqs = reference.stream()
          .map(t -> ((ServerEvent.ChatEvent) ProtocolCodec.decodeEvent(t).value()).message().seq()).toList();
      assertThat(seqs).isEqualTo(expected);
      for (TestClient sender : members.subList(0, SENDERS)) {
        List<ServerEvent.Ack> acks = new ArrayList<>();
        for (RecordingTransport.Sent sent : sender.transport.texts) {
          if (sent.text().startsWith("{\"type\":\"ack\"")) {
            acks.add((ServerEvent.Ack) ProtocolCodec.decodeEvent(sent.text()).value());
          }
        }
        assertThat(acks).extracting(ServerEvent.Ack::cid)
            .isEqualTo(java.util.stream.IntStream.range(0, CHATS_PER_SENDER).mapToObj(String::valueOf).toList());
        assertThat(acks).extracting(ServerEvent.Ack::seq).isSorted();
      }
      for (TestClient m : members.subList(1, MEMBERS)) {
        assertThat(chatFrames(m)).as("frames of %s", m.session.nick()).isEqualTo(reference);
      }
    } finally {
      pool.shutdownNow();
      assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
  }

  private static int firstDifference(List<Long> actual, List<Long> expected) {
    for (int i = 0; i < Math.max(actual.size(), expected.size()); i++) {
      if (i >= actual.size() || i >= expected.size() || !actual.get(i).equals(expected.get(i))) {
        return i;
      }
    }
    return -1;
  }

  private static List<String> chatFrames(TestClient member) {
    List<String> chats = new ArrayList<>();
    for (RecordingTransport.Sent sent : member.transport.texts) {
      if (sent.text().startsWith("{\"type\":\"chat\"")) {
        chats.add(sent.text());
      }
    }
    return chats;
  }

  private static void awaitChats(TestClient member, int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (chatFrames(member).size() < count && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }

  /** Reads a member's frames in order, recording the seqs it has seen, live or replayed. */
  private static final class RejoinObserver {
    private static final RoomName BUSY = new RoomName("busy");
    final TestClient client;
    final List<Long> seen = new ArrayList<>();
    final StringBuilder log = new StringBuilder();

    RejoinObserver(TestClient client) {
      this.client = client;
    }

    void consume() {
      RecordingTransport.Sent sent;
      while ((sent = client.transport.texts.poll()) != null) {
        Decoded<ServerEvent> decoded = ProtocolCodec.decodeEvent(sent.text());
        assertThat(decoded.error()).as("decoding a frame of %d chars", sent.text().length()).isNull();
        ServerEvent event = decoded.value();
        if (event instanceof ServerEvent.ChatEvent chat) {
          seen.add(chat.message().seq());
        } else if (event instanceof ServerEvent.Joined joined) {
          log.append(" joined@").append(seen.size()).append(" seq=").append(joined.seq())
              .append(" n=").append(joined.history().size()).append(" t=").append(joined.truncated());
          joined.history().forEach(m -> seen.add(m.seq()));
        }
      }
    }

    long lastSeen() {
      return seen.isEmpty() ? 0 : seen.get(seen.size() - 1);
    }

    void leaveAndRejoin() {
      client.send(new ClientRequest.Leave(BUSY, null));
      consume(); // everything up to and including "left" is queued by now
      log.append(" since=").append(lastSeen());
      client.send(new ClientRequest.Join(BUSY, lastSeen(), null));
    }
  }
}
