package io.qingliao.client;

import io.qingliao.core.ServerEvent;
import io.qingliao.server.ChatServer;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;

/**
 * How many ChatClients one JVM holds: connects N clients sharing one OkHttpClient and one timer
 * to a ChatServer in a child JVM (so that the server's threads and heap are not counted), and
 * prints threads and heap per client. Not a unit test; run it by hand:
 *
 * <pre>
 * java -Xmx1g -cp "$CP" io.qingliao.client.ChatClientCapacity 1000
 * </pre>
 */
public final class ChatClientCapacity {
  private static final int ROOM_SIZE = 10;
  private static final int CONNECT_BATCH = 100;

  private ChatClientCapacity() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("server")) {
      serve();
      return;
    }
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    Process server = new ProcessBuilder(
        System.getProperty("java.home") + File.separator + "bin" + File.separator + "java", "-Xmx512m",
        "-cp", System.getProperty("java.class.path"), ChatClientCapacity.class.getName(), "server")
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
      String line;
      int port = -1;
      while ((line = out.readLine()) != null) {
        if (line.startsWith("PORT ")) {
          port = Integer.parseInt(line.substring(5).trim());
          break;
        }
      }
      if (port < 0) {
        throw new IllegalStateException("the server process did not start");
      }
      measure(count, port);
    } finally {
      server.getOutputStream().close();
      if (!server.waitFor(10, TimeUnit.SECONDS)) {
        server.destroy();
      }
    }
  }

  private static void measure(int count, int port) throws Exception {
    Dispatcher dispatcher = new Dispatcher();
    dispatcher.setMaxRequests(count + 64); // each open WebSocket holds one running call
    dispatcher.setMaxRequestsPerHost(count + 64);
    OkHttpClient http = new OkHttpClient.Builder().dispatcher(dispatcher).build();
    ScheduledExecutorService timer = Executors.newScheduledThreadPool(2, r -> {
      Thread t = new Thread(r, "capacity-timer");
      t.setDaemon(true);
      return t;
    });
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long heapBefore = usedHeapAfterGc(memory);
    long rssBefore = rssKiB();
    int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();

    // In batches: a thousand SYNs at once overflow the server's accept backlog and the kernel
    // retries them after 1, 3, 7 s, which measures TCP, not the client.
    long start = System.nanoTime();
    List<ChatClient> clients = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      clients.add(ChatClient.builder().url("ws://127.0.0.1:" + port).nick("c" + i).room("room" + (i / ROOM_SIZE))
          .okHttpClient(http).scheduler(timer).connect());
      if (clients.size() % CONNECT_BATCH == 0 || i == count - 1) {
        CompletableFuture.allOf(clients.subList(clients.size() - 1 - (i % CONNECT_BATCH), clients.size()).stream()
            .map(ChatClient::opened).toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
      }
    }
    double connectSeconds = (System.nanoTime() - start) / 1e9;
    CompletableFuture.allOf(clients.stream().map(ChatClient::ping).toArray(CompletableFuture[]::new))
        .get(60, TimeUnit.SECONDS);

    long fanOutStart = System.nanoTime();
    List<CompletableFuture<?>> sends = new ArrayList<>();
    for (int i = 0; i < count; i += ROOM_SIZE) {
      sends.add(clients.get(i).send("hello room"));
    }
    CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    for (ChatClient client : clients) {
      client.await(ServerEvent.ChatEvent.class, e -> e.message().text().equals("hello room"), Duration.ofSeconds(60));
    }
    double fanOutMillis = (System.nanoTime() - fanOutStart) / 1e6;

    int threadsOpen = ManagementFactory.getThreadMXBean().getThreadCount();
    long heapOpen = usedHeapAfterGc(memory);
    long rssOpen = rssKiB();

    long closeStart = System.nanoTime();
    clients.forEach(ChatClient::close);
    double closeSeconds = (System.nanoTime() - closeStart) / 1e9;
    Thread.sleep(500);
    int threadsClosed = ManagementFactory.getThreadMXBean().getThreadCount();
    // The shared client's idle dispatcher threads stay 60 s unless its owner shuts it down.
    dispatcher.executorService().shutdown();
    dispatcher.executorService().awaitTermination(10, TimeUnit.SECONDS);
    http.connectionPool().evictAll();
    timer.shutdownNow();
    Thread.sleep(500);
    int threadsReleased = ManagementFactory.getThreadMXBean().getThreadCount();

    System.out.printf("clients: %d (rooms of %d, one shared OkHttpClient and timer)%n", count, ROOM_SIZE);
    System.out.printf("connect, all welcomed: %.2f s%n", connectSeconds);
    System.out.printf("one message per room, seen by every client: %.0f ms%n", fanOutMillis);
    System.out.printf("threads: %d before, %d open (%.2f per client), %d after closing the clients,"
        + " %d after shutting down the shared dispatcher%n",
        threadsBefore, threadsOpen, (threadsOpen - threadsBefore) / (double) count, threadsClosed, threadsReleased);
    System.out.printf("heap after GC: %.1f MiB before, %.1f MiB open (%.1f KiB per client)%n",
        heapBefore / 1048576.0, heapOpen / 1048576.0, (heapOpen - heapBefore) / 1024.0 / count);
    System.out.printf("process RSS: %d MiB before, %d MiB open (%.1f KiB per client)%n",
        rssBefore / 1024, rssOpen / 1024, (rssOpen - rssBefore) / (double) count);
    System.out.printf("close all: %.2f s%n", closeSeconds);
  }

  /** Resident set size from /proc (Linux), or -1 elsewhere. */
  private static long rssKiB() {
    try {
      for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  private static long usedHeapAfterGc(MemoryMXBean memory) throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return memory.getHeapMemoryUsage().getUsed();
  }

  private static void serve() throws Exception {
    try (ChatServer server = ChatServer.builder().host("127.0.0.1").wsPort(0).httpPort(-1).memoryStore()
        .maxConnections(50_000).build().start()) {
      System.out.println("PORT " + server.wsPort());
      System.out.flush();
      while (System.in.read() >= 0) {
        // Runs until the parent closes our stdin.
      }
    }
  }
}
