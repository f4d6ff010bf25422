package io.qingliao.server.internal.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.qingliao.core.StoreUnavailableException;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's Lettuce side: its own {@link ClientResources} (two I/O threads), one shared
 * connection for commands and one for pub/sub, both reconnecting by themselves; and the
 * engine's one event thread, on which everything coming from Redis is handled (never on
 * Lettuce's I/O threads, so handlers may wait for Redis).
 *
 * <p>Commands are never queued or replayed across a disconnect: a command issued while Redis is
 * away fails at once, and one in flight when the connection drops fails rather than running
 * twice. Callers turn both into {@code server_busy}.
 */
final class RedisConnections {
  private static final Logger log = LoggerFactory.getLogger(RedisConnections.class);

  private final ClientResources resources;
  private final RedisClient client;
  private final Duration timeout;
  final StatefulRedisConnection<String, String> commands;
  final StatefulRedisPubSubConnection<String, String> pubsub;
  /** The engine's event thread (pub/sub, publish replies, catch-ups, heartbeats). */
  final ScheduledExecutorService events;
  private volatile boolean dropped;

  private RedisConnections(ClientResources resources, RedisClient client, Duration timeout,
      StatefulRedisConnection<String, String> commands, StatefulRedisPubSubConnection<String, String> pubsub,
      ScheduledExecutorService events) {
    this.resources = resources;
    this.client = client;
    this.timeout = timeout;
    this.commands = commands;
    this.pubsub = pubsub;
    this.events = events;
  }

  /** Connects both connections; throws {@link StoreUnavailableException} when Redis cannot be reached. */
  static RedisConnections open(RedisSettings settings, io.lettuce.core.RedisConnectionStateListener listener) {
    AtomicInteger threads = new AtomicInteger();
    ClientResources resources = DefaultClientResources.builder()
        .ioThreadPoolSize(2)
        .computationThreadPoolSize(2)
        .reconnectDelay(Delay.exponential(Duration.ofMillis(50), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
        .build();
    RedisURI uri = RedisURI.create(settings.url());
    uri.setTimeout(settings.commandTimeout());
    RedisClient client = RedisClient.create(resources, uri);
    client.setOptions(ClientOptions.builder()
        .autoReconnect(true)
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .replayFilter(command -> true)
        .timeoutOptions(TimeoutOptions.enabled(settings.commandTimeout()))
        .socketOptions(SocketOptions.builder().connectTimeout(settings.commandTimeout()).keepAlive(true).build())
        .build());
    client.addListener(listener);
    ScheduledExecutorService events = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "qingliao-redis-events-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    StatefulRedisConnection<String, String> commands = null;
    try {
      commands = client.connect(StringCodec.UTF8);
      StatefulRedisPubSubConnection<String, String> pubsub = client.connectPubSub(StringCodec.UTF8);
      return new RedisConnections(resources, client, settings.commandTimeout(), commands, pubsub, events);
    } catch (RuntimeException e) {
      if (commands != null) {
        commands.close();
      }
      events.shutdownNow();
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      resources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3_000);
      throw new StoreUnavailableException("cannot connect to Redis at " + uri.getHost() + ":" + uri.getPort()
          + ": " + e.getMessage(), e);
    }
  }

  RedisAsyncCommands<String, String> async() {
    return commands.async();
  }

  /** Runs tasks on the event thread; once it is shut down, on the caller's thread. */
  Executor eventExecutor() {
    return task -> {
      try {
        events.execute(task);
      } catch (RejectedExecutionException e) {
        task.run();
      }
    };
  }

  /** Waits for a command's result; any failure becomes {@link StoreUnavailableException}. */
  <T> T await(CompletionStage<T> reply) {
    try {
      return reply.toCompletableFuture().get(timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new StoreUnavailableException("Redis: " + cause.getMessage(), cause);
    } catch (TimeoutException e) {
      throw new StoreUnavailableException("Redis did not answer in time", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreUnavailableException("interrupted while waiting for Redis", e);
    }
  }

  /** Starts a command, turning a synchronous rejection into a failed stage. */
  static StoreUnavailableException unavailable(RuntimeException e) {
    return e instanceof StoreUnavailableException s ? s : new StoreUnavailableException("Redis: " + e.getMessage(), e);
  }

  /** Closes the connections and stops every thread (Lettuce's and the event thread). */
  void close() {
    events.shutdown();
    try {
      if (!events.awaitTermination(3, TimeUnit.SECONDS)) {
        events.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      events.shutdownNow();
    }
    if (!dropped) {
      closeQuietly(pubsub);
      closeQuietly(commands);
    }
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    resources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3_000);
  }

  /** Drops both connections at once, as a crash would; the threads keep running until {@link #close}. */
  void dropConnections() {
    dropped = true;
    closeQuietly(pubsub);
    closeQuietly(commands);
  }

  private static void closeQuietly(io.lettuce.core.api.StatefulConnection<?, ?> connection) {
    try {
      connection.close();
    } catch (RuntimeException e) {
      log.debug("closing a Redis connection failed", e);
    }
  }
}
