package io.qingliao.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.qingliao.server.ChatServer;
import io.qingliao.server.testing.NoLeakedThreads;
import io.qingliao.server.testing.RecordingWebSocket;
import io.qingliao.server.testing.TestServers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The close frame of a protocol violation goes out while the CPU is busy. Java-WebSocket's
 * selector reads a connection's frames, hands them to a worker, then (same pass) writes the
 * connection's queue and ends with read-only interest. A worker that queued its close frame and
 * signalled write demand while that pass was past its look at the queue lost the demand, and
 * the close frame stayed unwritten for good: nothing else asks again for a closing connection.
 * Now the channel reports the library's queue as pending (the library then keeps write interest)
 * and the periodic sweep (once a second with the default idle timeout) rescues what is left.
 *
 * <p>The window is short, and wide only under CPU load: many violating connections, a few at a
 * time, each sending its violation the moment its welcome arrives, while other threads keep the
 * CPU busy and a pair keeps chatting (so the selector keeps looping). With the fix reverted, 11
 * of 12 runs on a two-core machine failed, one to four of the 1000 connections hanging; with it,
 * every close came well within {@link #BOUND}.
 */
@Timeout(60)
@ExtendWith(NoLeakedThreads.class)
class CloseUnderLoadTest {
  private static final int VIOLATORS = 1000;
  private static final int AT_ONCE = 8;
  /** Most a violator waits for its close frame, and then for the end of the stream. */
  private static final Duration BOUND = Duration.ofSeconds(3);
  /** A chat frame with RSV1 set, which no extension was negotiated for: a protocol error. */
  private static final byte[] RSV1_FRAME = HostileSocket.frame(0xC1,
      "{\"type\":\"chat\",\"text\":\"compressed?\"}".getBytes(StandardCharsets.UTF_8), true);

  private final List<AutoCloseable> open = new ArrayList<>();
  private ChatServer server;

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void everyProtocolViolationGetsItsClose1002AndTheEndOfTheStreamWhileTheCpuIsBusy() throws Exception {
    server = TestServers.memory().rateLimit(100_000).build().start();
    RecordingWebSocket chatter = RecordingWebSocket.connect(server.wsPort(), "/?nick=chatter&room=busy");
    RecordingWebSocket listener = RecordingWebSocket.connect(server.wsPort(), "/?nick=listener&room=busy");
    open.add(chatter);
    open.add(listener);
    chatter.awaitJson("joined");
    listener.awaitJson("joined");

    Map<Integer, String> outcomes = new TreeMap<>();
    Load load = Load.start(chatter);
    ExecutorService violators = Executors.newFixedThreadPool(AT_ONCE, named("violator"));
    try {
      List<Future<String>> results = new ArrayList<>();
      for (int n = 0; n < VIOLATORS; n++) {
        int id = n;
        results.add(violators.submit(() -> violate(id)));
      }
      for (int n = 0; n < VIOLATORS; n++) {
        outcomes.put(n, results.get(n).get(30, TimeUnit.SECONDS));
      }
    } finally {
      violators.shutdownNow();
      load.close();
      assertThat(violators.awaitTermination(10, TimeUnit.SECONDS)).as("violator threads ended").isTrue();
    }
    int chats = load.chatsSent();

    assertThat(outcomes).as("what each violating connection got").allSatisfy((n, outcome) ->
        assertThat(outcome).as("violator %d", n).isEqualTo("close 1002, then the end"));
    // The selector had other work all along: every chat of the pair reached the listener.
    assertThat(chats).as("chats sent while the violators ran").isGreaterThan(100);
    chatter.send("{\"type\":\"chat\",\"text\":\"last\",\"cid\":\"last\"}");
    assertThat(chatsUntilLast(listener)).as("chats the listener got").isEqualTo(chats);
  }

  /**
   * Reads events in order (thousands of join and leave notices among them: faster than skipping
   * them with {@code awaitJson}) and counts the chats before the one with cid "last".
   */
  private static int chatsUntilLast(RecordingWebSocket listener) {
    int chats = 0;
    while (true) {
      if (listener.next() instanceof RecordingWebSocket.Text text) {
        JsonObject json = JsonParser.parseString(text.text()).getAsJsonObject();
        if (json.get("type").getAsString().equals("chat")) {
          if (json.get("cid").getAsString().equals("last")) {
            return chats;
          }
          chats++;
        }
      }
    }
  }

  /**
   * One violating connection: the RSV1 frame right after the welcome. Returns what it got, in
   * words: "close 1002, then the end" when all went well.
   */
  private String violate(int n) throws IOException {
    try (HostileSocket socket = HostileSocket.upgraded(server.wsPort(), "/?nick=violator-" + n + "&room=busy")) {
      socket.awaitJson("welcome");
      socket.write(RSV1_FRAME);
      long sent = System.nanoTime();
      int code;
      try {
        code = socket.awaitCloseCode(); // the socket's read timeout (5 s) ends a wait for nothing
      } catch (IOException e) {
        return "no close frame after " + millisSince(sent) + " ms: " + e;
      }
      long closeMillis = millisSince(sent);
      if (closeMillis > BOUND.toMillis()) {
        return "close " + code + " after " + closeMillis + " ms";
      }
      try {
        socket.awaitEndOfStream(BOUND);
      } catch (AssertionError e) {
        return "close " + code + ", but the connection was still open " + BOUND + " later";
      }
      return "close " + code + ", then the end";
    }
  }

  private static long millisSince(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
  }

  private static ThreadFactory named(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  /**
   * The background: two spinning threads per processor, and one thread that sends a chat every
   * millisecond or so. Closing stops them and waits for them to end.
   */
  private static final class Load implements AutoCloseable {
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicInteger chatsSent = new AtomicInteger();
    private volatile boolean stop;
    /** Where the spinning threads leave their result, so that the loop is not optimised away. */
    private volatile long sink;
    private volatile Throwable chatFailure;

    static Load start(RecordingWebSocket chatter) {
      Load load = new Load();
      for (int i = 0; i < 2 * Runtime.getRuntime().availableProcessors(); i++) {
        load.threads.add(new Thread(load::spin, "cpu-burner-" + i));
      }
      load.threads.add(new Thread(() -> load.chat(chatter), "chatter"));
      load.threads.forEach(Thread::start);
      return load;
    }

    /** Chats the chatter sent; fails if it could not send one. */
    int chatsSent() {
      assertThat(chatFailure).as("the chatter's failure").isNull();
      return chatsSent.get();
    }

    private void spin() {
      long x = System.nanoTime();
      while (!stop) {
        for (int i = 0; i < 10_000; i++) {
          x = x * 6364136223846793005L + 1442695040888963407L;
        }
      }
      sink = x;
    }

    private void chat(RecordingWebSocket chatter) {
      try {
        while (!stop) {
          int n = chatsSent.get();
          JsonObject chat = new JsonObject();
          chat.addProperty("type", "chat");
          chat.addProperty("text", "busy " + n);
          chat.addProperty("cid", "c" + n);
          chatter.send(chat);
          chatsSent.incrementAndGet();
          Thread.sleep(1);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException | AssertionError e) {
        chatFailure = e;
      }
    }

    @Override
    public void close() throws InterruptedException {
      stop = true;
      for (Thread thread : threads) {
        thread.join(5_000);
        assertThat(thread.isAlive()).as("%s ended", thread.getName()).isFalse();
      }
    }
  }
}
