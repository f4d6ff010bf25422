package io.qingliao.benchmarks.load;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The conns scenario: idle connections spread over rooms, opened in stages (10,000 then
 * 19,000), and the server's resident memory read from /proc after each stage settled.
 *
 * <p>A process may hold 20,000 files here, so the connections are split over this process and
 * one child JVM ({@code conns-worker}, driven over its standard input) that binds its sockets to
 * another loopback source address.
 */
final class ConnsLoad {
  /** Holds idle connections for one process; every call from the driving thread. */
  static final class Holder implements WsLoop.Listener {
    private final Target target;
    private final int rooms;
    private final int idOffset;
    private final WsLoop[] loops;
    private final List<WsConnection> conns = new ArrayList<>();
    private final AtomicInteger ready = new AtomicInteger();
    private final AtomicInteger closedAfterReady = new AtomicInteger();
    volatile String lastClose = "";

    Holder(Target target, int rooms, int idOffset, int ioThreads) throws IOException {
      this.target = target;
      this.rooms = rooms;
      this.idOffset = idOffset;
      this.loops = new WsLoop[ioThreads];
      for (int i = 0; i < ioThreads; i++) {
        loops[i] = new WsLoop("conns-io-" + i, this);
        loops[i].start();
      }
    }

    /** Opens {@code count} more connections, at most {@code maxPending} handshakes at once. */
    void open(int count, int maxPending, long timeoutMs) throws InterruptedException {
      long deadline = System.currentTimeMillis() + timeoutMs;
      int first = conns.size();
      for (int k = 0; k < count; k++) {
        int i = first + k;
        int id = idOffset + i;
        WsLoop loop = loops[i % loops.length];
        String path = "/?room=" + ChatLoad.roomName(rooms, id % rooms) + "&nick=i" + id;
        WsConnection c = new WsConnection(id, loop, path, target.hostHeader());
        conns.add(c);
        while (i - ready.get() - failed() >= maxPending && System.currentTimeMillis() < deadline) {
          Thread.sleep(1);
        }
        loop.connect(c, target.address(), target.source(i));
      }
      while (ready.get() + failed() < conns.size() && System.currentTimeMillis() < deadline) {
        Thread.sleep(5);
      }
    }

    int ready() {
      return ready.get() - closedAfterReady.get();
    }

    long failed() {
      long n = 0;
      for (WsLoop l : loops) {
        n += l.failed.get();
      }
      return n;
    }

    String lastFailure() {
      for (WsLoop l : loops) {
        if (!l.lastFailure.isEmpty()) {
          return l.lastFailure;
        }
      }
      return "";
    }

    long frames() {
      long n = 0;
      for (WsLoop l : loops) {
        n += l.framesIn.get();
      }
      return n;
    }

    void close() {
      for (WsLoop l : loops) {
        l.shutdown();
      }
    }

    @Override
    public void onOpen(WsConnection c) {}

    @Override
    public void onMessage(WsConnection c, byte[] buf, int off, int len, long arrivalNanos) {
      if (!c.gotFirstText) {
        c.gotFirstText = true;
        ready.incrementAndGet();
      }
    }

    @Override
    public void onClose(WsConnection c, String why) {
      if (c.gotFirstText) {
        closedAfterReady.incrementAndGet();
        lastClose = why;
      }
    }
  }

  /** The child's side: reads "open N", answers "ready R failed F frames X"; "quit" ends it. */
  static void worker(Args a) throws Exception {
    Target target = Target.parse(a);
    Holder h = new Holder(target, a.integer("rooms", 100), a.integer("id-offset", 1_000_000), a.integer("io-threads", 1));
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    long stopAt = System.currentTimeMillis() + a.integer("max-seconds", 900) * 1000L;
    String line;
    while ((line = in.readLine()) != null && System.currentTimeMillis() < stopAt) {
      if (line.startsWith("open ")) {
        h.open(Integer.parseInt(line.substring(5).trim()), a.integer("max-pending", 32),
            Math.min(a.integer("stage-timeout", 300), 900) * 1000L);
        out.println("ready " + h.ready() + " failed " + h.failed() + " frames " + h.frames());
      } else if (line.equals("status")) {
        out.println("ready " + h.ready() + " failed " + h.failed() + " frames " + h.frames());
      } else if (line.equals("quit")) {
        break;
      }
    }
    h.close();
    out.println("bye");
  }

  private ConnsLoad() {}

  static Map<String, Object> run(Args a) throws Exception {
    Target target = Target.parse(a);
    int rooms = a.integer("rooms", 100);
    List<Integer> stages = new ArrayList<>();
    for (String s : a.string("stages", "10000,19000").split(",")) {
      stages.add(Integer.parseInt(s.trim()));
    }
    int procs = a.integer("procs", 2);
    int maxPending = a.integer("max-pending", 32);
    long stageTimeoutMs = Math.min(a.integer("stage-timeout", 300), 900) * 1000L;
    int holdSeconds = Math.min(a.integer("hold", 0), 600);
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("scenario", "conns");
    r.put("target", target.kind());
    r.put("rooms", rooms);
    r.put("loadProcesses", procs);
    r.put("loadAverageBefore", ProcStats.loadAverage());
    long pid = target.pid();
    long rss0 = ProcStats.rssKib(pid);
    double cpu0 = ProcStats.cpuSeconds(pid);
    r.put("serverRssKibIdle", rss0);

    Holder mine = new Holder(target, rooms, 0, a.integer("io-threads", 1));
    Process child = null;
    BufferedReader childOut = null;
    PrintStream childIn = null;
    if (procs > 1) {
      String java = ProcessHandle.current().info().command().orElse("java");
      List<String> cmd = new ArrayList<>(List.of(java, "-Xss256k", "-Xmx512m", "-XX:+UseSerialGC",
          "-cp", System.getProperty("java.class.path"), LoadMain.class.getName(), "conns-worker",
          "--target=" + target.kind(), "--url=" + a.string("url", "ws://127.0.0.1:8000/"),
          "--rooms=" + rooms, "--id-offset=1000000", "--max-pending=" + maxPending,
          "--stage-timeout=" + stageTimeoutMs / 1000,
          "--source-addrs=" + a.string("worker-source-addrs", "127.0.0.2")));
      child = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      childOut = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      childIn = new PrintStream(child.getOutputStream(), true, StandardCharsets.UTF_8);
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    int have = 0;
    long previousRss = rss0;
    int previousConns = 0;
    try {
      for (int stage : stages) {
        int more = stage - have;
        int mineMore = procs > 1 ? (more + 1) / 2 : more;
        int childMore = more - mineMore;
        long t0 = System.nanoTime();
        if (child != null && childMore > 0) {
          childIn.println("open " + childMore);
        }
        mine.open(mineMore, maxPending, stageTimeoutMs);
        String childStatus = "";
        int childReady = 0;
        long childFailed = 0;
        if (child != null && childMore > 0) {
          childStatus = childOut.readLine();
          String[] f = childStatus == null ? new String[0] : childStatus.split(" ");
          if (f.length >= 4) {
            childReady = Integer.parseInt(f[1]);
            childFailed = Long.parseLong(f[3]);
          }
        } else if (child != null) {
          childIn.println("status");
          String[] f = childOut.readLine().split(" ");
          childReady = Integer.parseInt(f[1]);
          childFailed = Long.parseLong(f[3]);
        }
        double openSeconds = (System.nanoTime() - t0) / 1e9;
        have = stage;
        settle(mine, pid);
        int open = mine.ready() + childReady;
        long rss = ProcStats.rssKib(pid);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("target", stage);
        row.put("open", open);
        row.put("failed", mine.failed() + childFailed);
        row.put("openSeconds", ChatLoad.round(openSeconds, 1));
        row.put("serverRssKib", rss);
        row.put("bytesPerConnection", open > 0 ? Math.round((rss - rss0) * 1024.0 / open) : null);
        row.put("marginalBytesPerConnection",
            open > previousConns ? Math.round((rss - previousRss) * 1024.0 / (open - previousConns)) : null);
        row.put("serverThreads", ProcStats.statusField(pid, "Threads:"));
        rows.add(row);
        System.out.printf("[conns/%s] %d open (%d failed) in %.1f s: server RSS %d KiB, %s B/conn over idle, %s B/conn marginal%s%n",
            target.kind(), open, mine.failed() + childFailed, openSeconds, rss, row.get("bytesPerConnection"),
            row.get("marginalBytesPerConnection"), mine.failed() > 0 ? " (last failure: " + mine.lastFailure() + ")" : "");
        previousRss = rss;
        previousConns = open;
      }
      if (holdSeconds > 0) {
        System.out.println("[conns] holding the connections for " + holdSeconds + " s (--hold)");
        Thread.sleep(holdSeconds * 1000L);
      }
    } finally {
      if (child != null) {
        childIn.println("quit");
        child.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
        child.destroy();
      }
      mine.close();
    }
    r.put("stages", rows);
    r.put("serverCpuSeconds", ChatLoad.round(ProcStats.cpuSeconds(pid) - cpu0, 2));
    r.put("harnessCpuSeconds", ChatLoad.round(ProcStats.selfCpuSeconds(), 2));
    r.put("loadAverageAfter", ProcStats.loadAverage());
    return r;
  }

  /** Waits until the server is idle: under 2 % of a core over a second, at most 60 s, then 2 s more. */
  private static void settle(Holder h, long pid) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 60_000;
    double last = ProcStats.cpuSeconds(pid);
    while (System.currentTimeMillis() < deadline) {
      Thread.sleep(1_000);
      double now = ProcStats.cpuSeconds(pid);
      if (Double.isNaN(now) || now - last < 0.02) {
        break;
      }
      last = now;
    }
    Thread.sleep(2_000);
  }
}
