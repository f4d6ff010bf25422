package io.qingliao.server;

import io.qingliao.server.internal.redis.RedisClusterBroker;
import io.qingliao.server.internal.redis.RedisSettings;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;

/**
 * Measures the Redis engine: N chat-server nodes in this JVM on one Redis, receivers spread
 * evenly over the nodes in one room, one sender per node keeping a window of chats in flight.
 * Prints deliveries per second, delivery latency percentiles (send to receipt, same clock) and
 * Redis commands per chat (from INFO, before and after).
 *
 * <p>NODES 0 runs one embedded node (memory store) through the same clients, for comparison.
 *
 * <p>{@code java ... io.qingliao.server.RedisEngineBenchmark NODES [MESSAGES_PER_SENDER] [RECEIVERS_PER_NODE] [WINDOW] [REDIS_PORT]}
 */
public final class RedisEngineBenchmark {
  private static final Pattern SENT = Pattern.compile("\"text\":\"t(\\d+)\"");

  public static void main(String[] args) throws Exception {
    boolean embedded = Integer.parseInt(args[0]) == 0; // 0 = one embedded node (memory store), for comparison
    int nodeCount = Math.max(1, Integer.parseInt(args[0]));
    int perSender = args.length > 1 ? Integer.parseInt(args[1]) : 2_000;
    int receiversPerNode = args.length > 2 ? Integer.parseInt(args[2]) : 20;
    int window = args.length > 3 ? Integer.parseInt(args[3]) : 32;
    int redisPort = args.length > 4 ? Integer.parseInt(args[4]) : 6379;
    String prefix = "qlbench-" + System.nanoTime();
    RedisSettings settings = RedisSettings.defaults("redis://127.0.0.1:" + redisPort).withKeyPrefix(prefix);

    List<ChatServer> nodes = new ArrayList<>();
    for (int i = 0; i < nodeCount; i++) {
      ChatServer.Builder node = ChatServer.builder().host("127.0.0.1").wsPort(0).httpPort(-1).rateLimit(1_000_000)
          .slowConsumerBytes(64L << 20);
      nodes.add((embedded ? node.memoryStore() : node.cluster(RedisClusterBroker.connect(settings))).build().start());
    }
    OkHttpClient http = new OkHttpClient.Builder().build();
    int receivers = receiversPerNode * nodeCount;
    long total = (long) perSender * nodeCount;
    long expected = total * (receivers + nodeCount);
    AtomicLong delivered = new AtomicLong();
    CountDownLatch done = new CountDownLatch(1);
    long[] latencies = new long[(int) expected];
    AtomicInteger latencyCount = new AtomicInteger();
    List<WebSocket> sockets = new ArrayList<>();
    CountDownLatch joined = new CountDownLatch(receivers + nodeCount);
    List<Semaphore> windows = new ArrayList<>();

    for (int i = 0; i < receivers + nodeCount; i++) {
      int node = i % nodeCount;
      boolean sender = i >= receivers;
      Semaphore slots = new Semaphore(window);
      if (sender) {
        windows.add(slots);
      }
      Request request = new Request.Builder()
          .url("http://127.0.0.1:" + nodes.get(node).wsPort() + "/?room=bench&nick=" + (sender ? "s" : "r") + i).build();
      sockets.add(http.newWebSocket(request, new WebSocketListener() {
        @Override
        public void onMessage(WebSocket ws, String text) {
          if (text.startsWith("{\"type\":\"joined\"")) {
            joined.countDown();
          } else if (text.startsWith("{\"type\":\"chat\"")) {
            Matcher m = SENT.matcher(text);
            if (m.find()) {
              latencies[Math.min(latencyCount.getAndIncrement(), latencies.length - 1)] =
                  System.nanoTime() - Long.parseLong(m.group(1));
            }
            if (delivered.incrementAndGet() == expected) {
              done.countDown();
            }
          } else if (sender && (text.startsWith("{\"type\":\"ack\"") || text.startsWith("{\"type\":\"error\""))) {
            slots.release();
          }
        }
      }));
    }
    if (!joined.await(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("clients did not join");
    }
    long[] before = redisStats(redisPort);
    long start = System.nanoTime();
    List<Thread> senders = new ArrayList<>();
    for (int s = 0; s < nodeCount; s++) {
      WebSocket ws = sockets.get(receivers + s);
      Semaphore slots = windows.get(s);
      Thread t = new Thread(() -> {
        for (int j = 0; j < perSender; j++) {
          slots.acquireUninterruptibly();
          ws.send("{\"type\":\"chat\",\"text\":\"t" + System.nanoTime() + "\"}");
        }
      }, "bench-sender-" + s);
      t.start();
      senders.add(t);
    }
    boolean finished = done.await(300, TimeUnit.SECONDS);
    double seconds = (System.nanoTime() - start) / 1e9;
    long[] after = redisStats(redisPort);
    for (Thread t : senders) {
      t.join(5_000);
    }
    int n = Math.min(latencyCount.get(), latencies.length);
    long[] sorted = Arrays.copyOf(latencies, n);
    Arrays.sort(sorted);
    System.out.printf("engine=%s nodes=%d receivers=%d senders=%d messages=%d window=%d finished=%s%n", embedded ? "embedded" : "redis", nodeCount, receivers,
        nodeCount, total, window, finished);
    System.out.printf("deliveries=%d in %.2f s: %.0f deliveries/s, %.0f chats/s%n", delivered.get(), seconds,
        delivered.get() / seconds, total / seconds);
    System.out.printf("latency ms: p50=%.1f p99=%.1f max=%.1f%n", pct(sorted, 0.50), pct(sorted, 0.99), pct(sorted, 1.0));
    System.out.printf("redis per chat: %.2f commands from nodes (%.2f EVALSHA), %.2f pub/sub pushes%n",
        (after[0] - before[0]) / (double) total, (after[1] - before[1]) / (double) total,
        (after[2] - before[2]) / (double) total);
    sockets.forEach(ws -> ws.cancel());
    for (ChatServer node : nodes) {
      node.close();
    }
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
    RedisClusterTest.Redis.deleteKeys(redisPort, prefix);
    System.exit(0);
  }

  private static double pct(long[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[(int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1 < 0 ? 0 : Math.ceil(p * sorted.length) - 1)] / 1e6;
  }

  /** total_commands_processed, EVALSHA calls, and pub/sub messages sent to clients. */
  private static long[] redisStats(int port) throws IOException {
    String info = RedisClusterTest.Redis.info(port);
    return new long[] {field(info, "total_commands_processed:(\\d+)"), field(info, "cmdstat_evalsha:calls=(\\d+)"),
        field(info, "cmdstat_publish:calls=(\\d+)")};
  }

  private static long field(String info, String regex) {
    Matcher m = Pattern.compile(regex).matcher(info);
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }
}
