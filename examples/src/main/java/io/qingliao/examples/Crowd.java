package io.qingliao.examples;

import io.qingliao.client.ChatClient;
import io.qingliao.client.ChatListener;
import io.qingliao.client.ChatRejectedException;
import io.qingliao.core.ChatMessage;
import io.qingliao.core.ServerEvent;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * 多人测试: simulates {@code --users} people in {@code --rooms} rooms chatting for
 * {@code --duration} seconds at {@code --rate} messages per second (all users together), then
 * prints what was sent, acked, delivered, lost and duplicated, and the latency from send to
 * delivery. Every message should reach every member of its room (its sender included) exactly
 * once; the exit code is 0 when it did, 1 when any copy was lost or duplicated, 2 for bad options
 * or when the users could not all connect.
 *
 * <p>It stops by itself: it sends a fixed number of messages ({@code rate × duration}), then
 * waits at most {@code --drain} seconds for the last deliveries. All the users share one
 * OkHttpClient and one timer, as a service holding many {@link ChatClient}s should.
 *
 * <pre>
 * java -cp examples/target/qingliao-examples.jar io.qingliao.examples.Crowd --users 50 --rooms 5 --duration 10 --rate 100
 * </pre>
 */
@Command(name = "crowd", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"多人测试: simulated users chatting in rooms; a table of sent, delivered, lost and duplicated "
        + "messages with p50/p99 latency.",
        "Exit code: 0 all delivered once, 1 lost or duplicated messages, 2 bad options or users not connected."})
public final class Crowd implements Callable<Integer> {
  static final int MAX_USERS = 2_000;
  static final long MAX_MESSAGES = 1_000_000;
  static final long MAX_DELIVERIES = 50_000_000;
  /** The server's default per-connection limit is 20 frames/s; heartbeats need a little room. */
  static final double PER_USER_RATE_WARNING = 15;

  @Spec CommandSpec spec;

  @Option(names = "--url", paramLabel = "URL", defaultValue = "ws://localhost:8000", description = "Server (default: ${DEFAULT-VALUE}).")
  String url;

  @Option(names = {"-n", "--users"}, paramLabel = "N", defaultValue = "20", description = "Simulated users, 1-" + MAX_USERS + " (default: ${DEFAULT-VALUE}).")
  int users;

  @Option(names = {"-m", "--rooms"}, paramLabel = "M", defaultValue = "4", description = "Rooms, users spread evenly (default: ${DEFAULT-VALUE}).")
  int rooms;

  @Option(names = {"-t", "--duration"}, paramLabel = "SECONDS", defaultValue = "10", description = "Seconds of chatting (default: ${DEFAULT-VALUE}).")
  double seconds;

  @Option(names = {"-r", "--rate"}, paramLabel = "PER_SECOND", defaultValue = "20", description = "Messages per second, all users together (default: ${DEFAULT-VALUE}).")
  double rate;

  @Option(names = "--drain", paramLabel = "SECONDS", defaultValue = "5", description = "Seconds to wait for late deliveries (default: ${DEFAULT-VALUE}).")
  double drainSeconds;

  @Option(names = "--connect-timeout", paramLabel = "SECONDS", defaultValue = "30", description = "Seconds for all users to connect (default: ${DEFAULT-VALUE}).")
  double connectSeconds;

  @Option(names = "--token", paramLabel = "TOKEN", description = "Credential, when the server requires one.")
  String token;

  private final PrintStream out;
  private final boolean terminal;

  /** Prints to standard output, with a live progress bar when it is a terminal. */
  public Crowd() {
    this(System.out, System.console() != null);
  }

  /** Prints to {@code out}: one {@code \r}-updated line if {@code terminal}, else a line per second. */
  Crowd(PrintStream out, boolean terminal) {
    this.out = out;
    this.terminal = terminal;
  }

  @Override
  public Integer call() throws InterruptedException {
    long planned = validate();
    String run = Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36, 36 * 36 * 36 * 36), 36);
    CrowdStats stats = plan(run, planned);
    double perUser = rate / users;
    if (perUser > PER_USER_RATE_WARNING) {
      out.printf(Locale.ROOT, "warning: each user sends %.1f messages/s; the server's default limit is 20 frames/s "
          + "per connection%n", perUser);
    }

    ThreadPoolExecutor sockets = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 10, TimeUnit.SECONDS,
        new SynchronousQueue<>(), named("crowd-socket-"));
    Dispatcher dispatcher = new Dispatcher(sockets);
    dispatcher.setMaxRequests(users + 16); // each open WebSocket holds one running call
    dispatcher.setMaxRequestsPerHost(users + 16);
    // No read or write timeout, as ChatClient's own clients: its heartbeat finds a dead connection.
    OkHttpClient http = new OkHttpClient.Builder().dispatcher(dispatcher)
        .readTimeout(Duration.ZERO).writeTimeout(Duration.ZERO).build();
    ScheduledExecutorService timer = new ScheduledThreadPoolExecutor(2, named("crowd-timer-"));
    List<ChatClient> clients = new ArrayList<>(users);
    try {
      CountDownLatch joined = new CountDownLatch(users);
      for (int u = 0; u < users; u++) {
        clients.add(ChatClient.builder().url(url).token(token)
            .nick("u" + u + "-" + run)
            .room(stats.rooms().get(u % rooms).name)
            .okHttpClient(http).scheduler(timer)
            .eventLogCapacity(0)
            .listener(new Member(stats.rooms().get(u % rooms), u / rooms, "crowd " + run + " ", joined))
            .connect());
      }
      if (!joined.await((long) (connectSeconds * 1000), TimeUnit.MILLISECONDS)) {
        out.printf("only %d of %d users joined within %.0f s; giving up%n", users - joined.getCount(), users, connectSeconds);
        return 2;
      }
      out.printf(Locale.ROOT, "%d users in %d rooms, %.0f messages/s for %.1f s (run %s)%n", users, rooms, rate, seconds, run);
      chat(stats, clients, planned, timer, "crowd " + run + " ");
    } finally {
      clients.forEach(ChatClient::close);
      timer.shutdownNow();
      sockets.shutdown();
      http.connectionPool().evictAll();
    }
    out.println();
    stats.printTable(out, 20);
    return stats.lost() == 0 && stats.duplicated() == 0 ? 0 : 1;
  }

  /** Checks the options and returns how many messages the run will send. */
  private long validate() {
    try {
      ChatClient.builder().url(url);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--url: " + e.getMessage());
    }
    require(users >= 1 && users <= MAX_USERS, "--users must be 1-" + MAX_USERS);
    require(rooms >= 1 && rooms <= users, "--rooms must be 1-" + users + " (at most one room per user)");
    require(seconds > 0 && seconds <= 3600, "--duration must be above 0 and at most 3600 seconds");
    require(rate > 0 && rate <= 10_000, "--rate must be above 0 and at most 10000 messages/s");
    require(drainSeconds >= 0 && drainSeconds <= 600, "--drain must be 0-600 seconds");
    require(connectSeconds > 0 && connectSeconds <= 600, "--connect-timeout must be above 0 and at most 600 seconds");
    long planned = (long) Math.ceil(rate * seconds);
    require(planned <= MAX_MESSAGES, "rate × duration must be at most " + MAX_MESSAGES + " messages");
    long deliveries = planned * (long) Math.ceil((double) users / rooms);
    require(deliveries <= MAX_DELIVERIES, "rate × duration × users per room must be at most " + MAX_DELIVERIES);
    return planned;
  }

  private void require(boolean ok, String message) {
    if (!ok) {
      throw new ParameterException(spec.commandLine(), message);
    }
  }

  /** Rooms, their members, and how many of the planned messages each gets. */
  private CrowdStats plan(String run, long planned) {
    int[] perRoom = new int[rooms];
    for (long g = 0; g < planned; g++) {
      perRoom[roomOf(g)]++;
    }
    List<CrowdStats.Room> list = new ArrayList<>(rooms);
    for (int k = 0; k < rooms; k++) {
      int members = users / rooms + (k < users % rooms ? 1 : 0);
      list.add(new CrowdStats.Room("crowd-" + run + "-" + (k + 1), members, perRoom[k]));
    }
    return new CrowdStats(list);
  }

  /** Message {@code g} is sent by user {@code g % users}, into that user's room. */
  private int roomOf(long g) {
    return (int) (g % users) % rooms;
  }

  /** Sends the planned messages at the rate, showing progress, then waits for the stragglers. */
  private void chat(CrowdStats stats, List<ChatClient> clients, long planned, ScheduledExecutorService timer,
      String prefix) throws InterruptedException {
    int[] nextInRoom = new int[rooms];
    AtomicInteger next = new AtomicInteger();
    long start = System.nanoTime();
    CountDownLatch allSent = new CountDownLatch(1);
    AtomicBoolean done = new AtomicBoolean();
    Runnable tick = () -> {
      double elapsed = (System.nanoTime() - start) / 1e9;
      long due = Math.min(planned, (long) Math.floor(elapsed * rate) + 1);
      while (next.get() < due) {
        long g = next.getAndIncrement();
        int u = (int) (g % users);
        CrowdStats.Room room = stats.rooms().get(roomOf(g));
        int index = nextInRoom[roomOf(g)]++;
        room.sending(index);
        clients.get(u).send(room.name, prefix + index).whenComplete((ack, failure) -> {
          if (failure == null) {
            room.acked.increment();
          } else if (failure instanceof ChatRejectedException) {
            room.rejected.increment();
          } else {
            room.unanswered.increment();
          }
        });
      }
      if (next.get() >= planned && done.compareAndSet(false, true)) {
        allSent.countDown();
      }
    };
    ScheduledFuture<?> ticks = timer.scheduleAtFixedRate(tick, 0, 10, TimeUnit.MILLISECONDS);
    Progress progress = new Progress(planned, start);
    try {
      while (!allSent.await(terminal ? 200 : 1000, TimeUnit.MILLISECONDS)) {
        progress.show(stats, "chatting");
      }
      ticks.cancel(false);
      long drainEnd = System.nanoTime() + (long) (drainSeconds * 1e9);
      while (!stats.settled() && System.nanoTime() < drainEnd) {
        Thread.sleep(50);
        progress.maybeShow(stats, "draining");
      }
      progress.show(stats, "done");
    } finally {
      ticks.cancel(false);
    }
  }

  /** The progress line: redrawn in place on a terminal, one line a second elsewhere. */
  private final class Progress {
    private final long planned;
    private final long start;
    private long lastShown;

    Progress(long planned, long start) {
      this.planned = planned;
      this.start = start;
    }

    void maybeShow(CrowdStats stats, String phase) {
      if (System.nanoTime() - lastShown >= (terminal ? 200_000_000L : 1_000_000_000L)) {
        show(stats, phase);
      }
    }

    void show(CrowdStats stats, String phase) {
      lastShown = System.nanoTime();
      long sent = stats.sent();
      long failed = stats.failed();
      String counts = String.format(Locale.ROOT, "%5.1f s  %-8s sent %d/%d  acked %d%s  delivered %d/%d",
          (lastShown - start) / 1e9, phase, sent, planned, stats.acked(), failed > 0 ? "  failed " + failed : "",
          stats.delivered(), stats.expected());
      if (terminal) {
        int width = 24;
        int filled = (int) (width * sent / Math.max(1, planned));
        out.print("\r[" + "#".repeat(filled) + "-".repeat(width - filled) + "] " + counts + "   ");
        out.flush();
      } else {
        out.println("progress: " + counts);
      }
    }
  }

  /** One simulated user: counts the run's messages it receives in its room. */
  private static final class Member implements ChatListener {
    private final CrowdStats.Room room;
    private final int index;
    private final String prefix;
    private final CountDownLatch joined;
    private final AtomicBoolean counted = new AtomicBoolean();

    Member(CrowdStats.Room room, int index, String prefix, CountDownLatch joined) {
      this.room = room;
      this.index = index;
      this.prefix = prefix;
      this.joined = joined;
    }

    @Override
    public void onEvent(ChatClient client, ServerEvent event) {
      if (event instanceof ServerEvent.ChatEvent chat) {
        ChatMessage m = chat.message();
        if (m.room().value().equals(room.name) && m.text().startsWith(prefix)) {
          try {
            room.received(index, Integer.parseInt(m.text().substring(prefix.length())));
          } catch (NumberFormatException e) {
            // someone else's text that happens to look like ours: not counted
          }
        }
      } else if (event instanceof ServerEvent.Joined j && j.room().value().equals(room.name)
          && counted.compareAndSet(false, true)) {
        joined.countDown();
      }
    }
  }

  private static java.util.concurrent.ThreadFactory named(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new Crowd()).execute(args));
  }
}
