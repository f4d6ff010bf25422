package io.qingliao.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Sessions closing, being dropped as slow consumers, joining and changing nicks while chats
 * flow: no deadlock, no lost or reordered chat for the members that stay, no leaked nick.
 */
@Timeout(60)
class HubChurnTest {
  private static final HubConfig CONFIG =
      HubConfig.defaults().withRateLimitPerSecond(1_000_000).withSlowConsumerBytes(1000);

  @Test
  void membersThatStaySeeEveryChatWhileOthersCloseAndAreDropped() throws Exception {
    try (DelayedStore store = new DelayedStore(new InMemoryMessageStore(10_000))) {
      Hub hub = Hub.builder().store(store).config(CONFIG).build();
      List<TestClient> stayers = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        stayers.add(TestClient.joined(hub, "stay" + i, "room"));
      }
      List<TestClient> churners = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        churners.add(TestClient.joined(hub, "churn" + i, "room"));
      }
      stayers.forEach(s -> s.transport.texts.clear());
      int senders = 4;
      int perSender = 500;
      ExecutorService pool = Executors.newFixedThreadPool(senders + 2);
      try {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> tasks = new ArrayList<>();
        for (int s = 0; s < senders; s++) {
          TestClient sender = stayers.get(s);
          tasks.add(pool.submit(() -> {
            start.await();
            for (int i = 0; i < perSender; i++) {
              sender.send("chat " + i);
            }
            return null;
          }));
        }
        tasks.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < churners.size(); i += 2) {
            churners.get(i).close();
            Thread.sleep(1);
          }
          return null;
        }));
        tasks.add(pool.submit(() -> {
          start.await();
          for (int i = 1; i < churners.size(); i += 2) {
            churners.get(i).transport.queued.set(5000); // the next send to it drops it
            Thread.sleep(1);
          }
          return null;
        }));
        start.countDown();
        for (Future<?> f : tasks) {
          f.get(30, TimeUnit.SECONDS);
        }
        int total = senders * perSender;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (chatSeqs(stayers.get(4)).size() < total && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        List<Long> expected = LongStream.rangeClosed(1, total).boxed().toList();
        for (TestClient stayer : stayers) {
          assertThat(chatSeqs(stayer)).as("seqs seen by %s", stayer.session.nick()).isEqualTo(expected);
        }
        hub.publish(new RoomName("room"), "bot", "flush").join(); // every slow churner has had a send
        assertThat(hub.members(new RoomName("room"))).containsExactly("stay0", "stay1", "stay2", "stay3", "stay4");
        assertThat(hub.sessionCount()).isEqualTo(5);
        for (int i = 1; i < churners.size(); i += 2) {
          assertThat(churners.get(i).transport.closeCode).isEqualTo(CloseCodes.SLOW_CONSUMER);
        }
        TestClient reuse = TestClient.open(hub, new ConnectRequest("churn7", null, null, OutputFormat.JSON, null));
        assertThat(reuse.next(ServerEvent.Welcome.class).nick()).isEqualTo("churn7");
      } finally {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
      }
    }
  }

  @Test
  void onlyOneOfManyConcurrentClaimsOfANickWins() throws Exception {
    Hub hub = Hub.builder().config(CONFIG).build();
    List<TestClient> clients = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      clients.add(TestClient.joined(hub, "c" + i, "r" + i));
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      for (int round = 0; round < 50; round++) {
        String wanted = "prize" + round;
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger winners = new AtomicInteger();
        List<Future<?>> tasks = new ArrayList<>();
        for (TestClient c : clients) {
          tasks.add(pool.submit(() -> {
            start.await();
            c.transport.texts.clear();
            c.send(new ClientRequest.NickChange(new Nick(wanted), null));
            if (c.session.nick().equals(wanted)) {
              winners.incrementAndGet();
            }
            return null;
          }));
        }
        start.countDown();
        for (Future<?> f : tasks) {
          f.get(10, TimeUnit.SECONDS);
        }
        assertThat(winners).as("round %d", round).hasValue(1);
      }
    } finally {
      pool.shutdownNow();
      assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
  }

  private static List<Long> chatSeqs(TestClient member) {
    List<Long> seqs = new ArrayList<>();
    for (RecordingTransport.Sent sent : member.transport.texts) {
      if (sent.text().startsWith("{\"type\":\"chat\"")) {
        seqs.add(((ServerEvent.ChatEvent) ProtocolCodec.decodeEvent(sent.text()).value()).message().seq());
      }
    }
    return seqs;
  }
}
