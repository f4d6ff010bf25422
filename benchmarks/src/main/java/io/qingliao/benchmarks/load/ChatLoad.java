package io.qingliao.benchmarks.load;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * The chat scenarios (fanout, saturate, rooms): {@code rooms × usersPerRoom} connections, some
 * of which send JSON chat frames whose text carries a message number, the sender and
 * {@link System#nanoTime()} at the send; every copy that comes back is checked off per receiver
 * (lost, duplicated) and its latency recorded against the same clock.
 *
 * <p>Senders either keep a fixed total rate (paced) or keep at most {@code window} messages each
 * not yet delivered to every receiver (saturate): nothing queues without bound, neither in the
 * harness nor in the server.
 */
final class ChatLoad implements WsLoop.Listener {
  /** What one scenario asks for. */
  record Plan(String scenario, int rooms, int usersPerRoom, int senders, double ratePerSecond, int window,
      double warmupSeconds, double durationSeconds, double drainSeconds, int ioThreads, int maxMessages,
      int maxPendingConnects, double connectTimeoutSeconds) {
    boolean paced() {
      return ratePerSecond > 0;
    }
  }

  /** Per I/O thread counters, touched by that thread only. */
  private static final class LoopStats {
    final LatencyHistogram latency = new LatencyHistogram();
    long deliveries;
    long deliveriesInWindow;
    long duplicates;
    long errors;
    long sentInWindow;
    final long[] parsed = new long[2];
  }

  private final Plan plan;
  private final Target target;
  private final WsLoop[] loops;
  private final LoopStats[] stats;
  private final WsConnection[] conns;
  private final AtomicIntegerArray remaining;
  /** Per message: when it was sent, and the latency to its first and to its last receiver. */
  private final long[] sentAtOf;
  private final AtomicLongArray firstLatency;
  private final AtomicLongArray lastLatency;
  private final int[] senderOf;
  private final AtomicInteger nextId = new AtomicInteger();
  private final AtomicLong expectedDeliveries = new AtomicLong();
  private final AtomicLong completed = new AtomicLong();
  private final AtomicInteger ready = new AtomicInteger();
  private final AtomicInteger closedDuringRun = new AtomicInteger();
  private final int[] roomMembers;
  private int allMembers;
  private volatile boolean sending;
  private volatile long warmupEnd = Long.MAX_VALUE;
  private volatile long measureEnd = Long.MAX_VALUE;
  private volatile String lastClose = "";

  ChatLoad(Plan plan, Target target) throws java.io.IOException {
    this.plan = plan;
    this.target = target;
    this.loops = new WsLoop[plan.ioThreads()];
    this.stats = new LoopStats[plan.ioThreads()];
    for (int i = 0; i < loops.length; i++) {
      loops[i] = new WsLoop("load-io-" + i, this);
      stats[i] = new LoopStats();
    }
    int n = plan.rooms() * plan.usersPerRoom();
    this.conns = new WsConnection[n];
    this.remaining = new AtomicIntegerArray(plan.maxMessages());
    this.senderOf = new int[plan.maxMessages()];
    this.sentAtOf = new long[plan.maxMessages()];
    this.firstLatency = new AtomicLongArray(plan.maxMessages());
    this.lastLatency = new AtomicLongArray(plan.maxMessages());
    this.roomMembers = new int[plan.rooms()];
  }

  static String roomName(int rooms, int room) {
    return rooms == 1 ? "bench" : "r" + room;
  }

  Map<String, Object> run() throws InterruptedException {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("scenario", plan.scenario());
    r.put("target", target.kind());
    r.put("url", "ws://" + target.hostHeader() + "/");
    r.put("connections", conns.length);
    r.put("rooms", plan.rooms());
    r.put("usersPerRoom", plan.usersPerRoom());
    r.put("senders", plan.senders());
    r.put("mode", plan.paced() ? "paced " + plan.ratePerSecond() + " msg/s total" : "window " + plan.window() + " per sender");
    r.put("warmupSeconds", plan.warmupSeconds());
    r.put("durationSeconds", plan.durationSeconds());
    r.put("ioThreads", plan.ioThreads());
    r.put("loadAverageBefore", ProcStats.loadAverage());
    for (WsLoop l : loops) {
      l.start();
    }
    long rssBefore = ProcStats.rssKib(target.pid());

    // 1. Connect, a bounded number of handshakes at a time.
    long connectStart = System.nanoTime();
    long connectDeadline = connectStart + (long) (plan.connectTimeoutSeconds() * 1e9);
    for (int i = 0; i < conns.length; i++) {
      int room = i % plan.rooms();
      WsLoop loop = loops[i % loops.length];
      String path = "/?room=" + roomName(plan.rooms(), room) + "&nick=u" + i;
      WsConnection c = new WsConnection(i, loop, path, target.hostHeader());
      c.room = room;
      c.seen = new BitSet();
      conns[i] = c;
      while (i - ready.get() - failedConnects() >= plan.maxPendingConnects() && System.nanoTime() < connectDeadline) {
        Thread.sleep(1);
      }
      loop.connect(c, target.address(), target.source(i));
    }
    while (ready.get() + failedConnects() < conns.length && System.nanoTime() < connectDeadline) {
      Thread.sleep(5);
    }
    double connectSeconds = (System.nanoTime() - connectStart) / 1e9;
    r.put("connectSeconds", round(connectSeconds, 2));
    r.put("connected", ready.get());
    r.put("connectFailures", failedConnects());
    System.out.printf("[%s/%s] %d of %d connected in %.1f s (%d failed%s)%n", plan.scenario(), target.kind(), ready.get(),
        conns.length, connectSeconds, failedConnects(), failedConnects() > 0 ? ", last: " + lastFailure() : "");
    quiesce(1_000, 60_000);

    // 2. Who is where, and who sends (spread over the rooms).
    for (WsConnection c : conns) {
      if (c.isOpen()) {
        roomMembers[c.room]++;
        allMembers++;
      }
    }
    List<WsConnection> senders = new ArrayList<>();
    for (WsConnection c : conns) {
      if (senders.size() < plan.senders() && c.isOpen()) {
        c.sender = true;
        senders.add(c);
      }
    }
    Collections.shuffle(senders, new Random(42));
    r.put("sendersConnected", senders.size());

    // 3. Warm up, then measure; CPU of the server and of this harness around the window.
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long start = System.nanoTime();
    warmupEnd = start + (long) (plan.warmupSeconds() * 1e9);
    measureEnd = warmupEnd + (long) (plan.durationSeconds() * 1e9);
    sending = true;
    Thread pacer = null;
    if (plan.paced()) {
      pacer = new Thread(() -> pace(senders), "load-pacer");
      pacer.setDaemon(true);
      pacer.start();
    } else {
      for (WsConnection s : senders) {
        s.loop.execute(() -> fill(s));
      }
    }
    sleepUntil(warmupEnd);
    double serverCpu0 = ProcStats.cpuSeconds(target.pid());
    double selfCpu0 = ProcStats.selfCpuSeconds();
    long[] ioCpu0 = new long[loops.length];
    for (int i = 0; i < loops.length; i++) {
      ioCpu0[i] = threads.getThreadCpuTime(loops[i].thread().getId());
    }
    long w0 = System.nanoTime();
    sleepUntil(measureEnd);
    double serverCpu1 = ProcStats.cpuSeconds(target.pid());
    double selfCpu1 = ProcStats.selfCpuSeconds();
    long w1 = System.nanoTime();
    double[] ioBusy = new double[loops.length];
    for (int i = 0; i < loops.length; i++) {
      ioBusy[i] = (threads.getThreadCpuTime(loops[i].thread().getId()) - ioCpu0[i]) / (double) (w1 - w0);
    }
    String loadDuring = ProcStats.loadAverage();
    sending = false;
    if (pacer != null) {
      pacer.join(5_000);
    }

    // 4. Drain: wait for every sent message to reach every receiver, or give up.
    long sent = Math.min(nextId.get(), plan.maxMessages());
    long drainDeadline = System.nanoTime() + (long) (plan.drainSeconds() * 1e9);
    while (completed.get() < sent && System.nanoTime() < drainDeadline) {
      Thread.sleep(10);
    }
    Thread.sleep(200); // late duplicates, if any
    double serverCpuAll = ProcStats.cpuSeconds(target.pid());
    long rssAfter = ProcStats.rssKib(target.pid());

    // 5. Sum up (the loops still run: read their counters on their own threads).
    LatencyHistogram latency = new LatencyHistogram();
    long deliveries = 0;
    long inWindow = 0;
    long dups = 0;
    long errors = 0;
    long sentInWindow = 0;
    for (int i = 0; i < loops.length; i++) {
      LoopStats s = snapshot(i);
      latency.merge(s.latency);
      deliveries += s.deliveries;
      inWindow += s.deliveriesInWindow;
      dups += s.duplicates;
      errors += s.errors;
      sentInWindow += s.sentInWindow;
    }
    double window = (w1 - w0) / 1e9;
    double serverCpu = serverCpu1 - serverCpu0;
    double selfCpu = selfCpu1 - selfCpu0;
    long lost = expectedDeliveries.get() - deliveries;
    r.put("messagesSent", sent);
    r.put("messagesSentInWindow", sentInWindow);
    r.put("messagesPerSecond", round(sentInWindow / window, 1));
    r.put("expectedDeliveries", expectedDeliveries.get());
    r.put("deliveries", deliveries);
    r.put("lost", lost);
    r.put("duplicates", dups);
    r.put("errorFrames", errors);
    r.put("closedDuringRun", closedDuringRun.get());
    r.put("deliveriesPerSecond", round(inWindow / window, 0));
    r.put("latencySamples", latency.count());
    r.put("p50Ms", ms(latency.percentileNanos(0.50)));
    r.put("p90Ms", ms(latency.percentileNanos(0.90)));
    r.put("p99Ms", ms(latency.percentileNanos(0.99)));
    r.put("p999Ms", ms(latency.percentileNanos(0.999)));
    r.put("maxMs", ms(latency.maxNanos()));
    // Per message: how long its first receiver waited (the server's path before the fan-out:
    // decode, store, broadcast start) and its last (the whole fan-out). A tail in the first
    // points at stalls before the fan-out; a gap between the two is the fan-out itself.
    LatencyHistogram first = new LatencyHistogram();
    LatencyHistogram last = new LatencyHistogram();
    for (int id = 0; id < sent; id++) {
      long at = sentAtOf[id];
      if (at >= warmupEnd && at < measureEnd && remaining.get(id) == 0) {
        first.record(firstLatency.get(id));
        last.record(lastLatency.get(id));
      }
    }
    r.put("firstReceiverP50Ms", ms(first.percentileNanos(0.50)));
    r.put("firstReceiverP99Ms", ms(first.percentileNanos(0.99)));
    r.put("firstReceiverMaxMs", ms(first.maxNanos()));
    r.put("lastReceiverP50Ms", ms(last.percentileNanos(0.50)));
    r.put("lastReceiverP99Ms", ms(last.percentileNanos(0.99)));
    r.put("lastReceiverMaxMs", ms(last.maxNanos()));
    r.put("windowSeconds", round(window, 2));
    r.put("serverCpuSeconds", round(serverCpu, 2));
    r.put("serverCpuCores", round(serverCpu / window, 2));
    r.put("serverCpuSecondsIncludingDrain", round(serverCpuAll - serverCpu0, 2));
    r.put("deliveriesPerServerCpuSecond", serverCpu > 0 ? round(inWindow / serverCpu, 0) : null);
    r.put("serverCpuMsPer1000Messages", sentInWindow > 0 ? round(serverCpu * 1e6 / sentInWindow, 1) : null);
    r.put("serverCpuMsPer1000Deliveries", inWindow > 0 ? round(serverCpu * 1e6 / inWindow, 2) : null);
    r.put("serverRssKibBefore", rssBefore);
    r.put("serverRssKibAfter", rssAfter);
    r.put("harnessCpuSeconds", round(selfCpu, 2));
    r.put("harnessCpuCores", round(selfCpu / window, 2));
    double maxBusy = 0;
    List<Double> busy = new ArrayList<>();
    for (double b : ioBusy) {
      busy.add(round(b, 2));
      maxBusy = Math.max(maxBusy, b);
    }
    r.put("harnessIoThreadBusy", busy);
    boolean bottleneck = maxBusy > 0.85;
    r.put("harnessBottleneck", bottleneck);
    r.put("loadAverageDuring", loadDuring);
    r.put("cores", Runtime.getRuntime().availableProcessors());
    if (!lastClose.isEmpty()) {
      r.put("lastClose", lastClose);
    }
    for (WsLoop l : loops) {
      l.shutdown();
    }
    return r;
  }

  // ---- sending ------------------------------------------------------------------------------

  private void pace(List<WsConnection> senders) {
    if (senders.isEmpty()) {
      return;
    }
    long start = System.nanoTime();
    double interval = 1e9 / plan.ratePerSecond();
    for (long k = 0; sending; k++) {
      long due = start + (long) (k * interval);
      if (due >= measureEnd || k >= plan.maxMessages()) {
        return;
      }
      long wait = due - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      WsConnection s = senders.get((int) (k % senders.size()));
      s.loop.execute(() -> sendOne(s));
    }
  }

  /** Window mode, on the sender's loop: keeps {@code window} messages of this sender in flight. */
  private void fill(WsConnection s) {
    while (sending && s.isOpen() && s.inFlight < plan.window() && System.nanoTime() < measureEnd) {
      if (!sendOne(s)) {
        return;
      }
    }
  }

  private boolean sendOne(WsConnection s) {
    if (!s.isOpen()) {
      return false;
    }
    int id = nextId.getAndIncrement();
    if (id >= plan.maxMessages()) {
      return false;
    }
    int expected = target.broadcastsToAll() ? allMembers : roomMembers[s.room];
    senderOf[id] = s.id;
    firstLatency.set(id, Long.MAX_VALUE);
    remaining.set(id, expected);
    expectedDeliveries.addAndGet(expected);
    s.inFlight++;
    long now = System.nanoTime();
    if (now >= warmupEnd && now < measureEnd) {
      stats[s.id % loops.length].sentInWindow++;
    }
    sentAtOf[id] = now;
    s.writeFrame(0x1, ChatText.frame(id, s.id, now));
    return true;
  }

  private void completed(int id) {
    completed.incrementAndGet();
    WsConnection s = conns[senderOf[id]];
    if (Thread.currentThread() == s.loop.thread()) {
      onSenderCompleted(s);
    } else {
      s.loop.execute(() -> onSenderCompleted(s));
    }
  }

  private void onSenderCompleted(WsConnection s) {
    s.inFlight--;
    if (!plan.paced()) {
      fill(s);
    }
  }

  // ---- receiving (on the loops) ---------------------------------------------------------------

  @Override
  public void onOpen(WsConnection c) {
    // ready once the server's first frame (greeting, welcome) came: see onMessage
  }

  @Override
  public void onMessage(WsConnection c, byte[] b, int off, int len, long now) {
    if (!c.gotFirstText) {
      c.gotFirstText = true;
      ready.incrementAndGet();
    }
    LoopStats st = stats[c.id % loops.length];
    if (!ChatText.parse(b, off, len, st.parsed)) {
      if (ChatText.isError(b, off, len)) {
        st.errors++;
      }
      return;
    }
    long id = st.parsed[0];
    long sentAt = st.parsed[1];
    int mid = (int) id;
    if (id >= plan.maxMessages() || c.seen.get(mid)) {
      st.duplicates++;
      return;
    }
    c.seen.set(mid);
    st.deliveries++;
    if (now >= warmupEnd && now < measureEnd) {
      st.deliveriesInWindow++;
    }
    if (sentAt >= warmupEnd && sentAt < measureEnd) {
      st.latency.record(now - sentAt);
    }
    long took = now - sentAt;
    firstLatency.accumulateAndGet(mid, took, Math::min);
    lastLatency.accumulateAndGet(mid, took, Math::max);
    if (remaining.decrementAndGet(mid) == 0) {
      completed(mid);
    }
  }

  @Override
  public void onClose(WsConnection c, String why) {
    if (c.gotFirstText) {
      closedDuringRun.incrementAndGet();
      lastClose = "connection " + c.id + ": " + why;
    }
  }

  // ---- helpers ------------------------------------------------------------------------------

  private LoopStats snapshot(int i) throws InterruptedException {
    LoopStats copy = new LoopStats();
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
    loops[i].execute(() -> {
      LoopStats s = stats[i];
      copy.latency.merge(s.latency);
      copy.deliveries = s.deliveries;
      copy.deliveriesInWindow = s.deliveriesInWindow;
      copy.duplicates = s.duplicates;
      copy.errors = s.errors;
      copy.sentInWindow = s.sentInWindow;
      done.countDown();
    });
    if (!done.await(10, java.util.concurrent.TimeUnit.SECONDS)) {
      throw new IllegalStateException("I/O thread " + i + " does not answer");
    }
    return copy;
  }

  private long failedConnects() {
    long n = 0;
    for (WsLoop l : loops) {
      n += l.failed.get();
    }
    return n;
  }

  private String lastFailure() {
    for (WsLoop l : loops) {
      if (!l.lastFailure.isEmpty()) {
        return l.lastFailure;
      }
    }
    return "";
  }

  /** Waits until no frame has come for {@code quietMs}, at most {@code maxMs}. */
  private void quiesce(long quietMs, long maxMs) throws InterruptedException {
    long deadline = System.currentTimeMillis() + maxMs;
    long last = -1;
    long quietSince = System.currentTimeMillis();
    while (System.currentTimeMillis() < deadline) {
      long frames = 0;
      for (WsLoop l : loops) {
        frames += l.framesIn.get();
      }
      if (frames != last) {
        last = frames;
        quietSince = System.currentTimeMillis();
      } else if (System.currentTimeMillis() - quietSince >= quietMs) {
        return;
      }
      Thread.sleep(50);
    }
  }

  static void sleepUntil(long nanoTime) throws InterruptedException {
    long wait;
    while ((wait = nanoTime - System.nanoTime()) > 0) {
      Thread.sleep(Math.max(1, Math.min(wait / 1_000_000, 200)));
    }
  }

  static double ms(long nanos) {
    return round(nanos / 1e6, 2);
  }

  static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }
}
