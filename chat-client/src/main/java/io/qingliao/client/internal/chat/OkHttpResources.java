package io.qingliao.client.internal.chat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.internal.concurrent.TaskRunner;

/**
 * The OkHttp client and the timer one chat client runs on: the caller's, which are left alone, or
 * its own, which {@link #release} shuts down so that no thread outlives the client.
 *
 * <p>An own OkHttp client gets its own dispatcher executor and its own {@link TaskRunner} (socket
 * writers, connection-pool cleanup). OkHttp exposes no public way to give a client a task
 * runner, so this class uses its internal one ({@code taskRunner$okhttp}, pinned OkHttp 5.5.1);
 * without it, every client would leave OkHttp's shared "OkHttp TaskRunner" daemon threads idling
 * for 60 s after close. For the same reason it sets no read or write timeout (those need Okio's
 * shared "Okio Watchdog" thread).
 */
final class OkHttpResources {
  private static final AtomicInteger CLIENTS = new AtomicInteger();

  private final OkHttpClient client;
  private final ScheduledExecutorService scheduler;
  private final ExecutorService ownDispatcherExecutor;
  private final TaskRunner.RealBackend ownTaskBackend;
  private final ConnectionPool ownPool;
  private final boolean ownScheduler;
  private final Set<Thread> ownThreads = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
  private boolean released;

  OkHttpResources(OkHttpClient shared, ScheduledExecutorService sharedScheduler) {
    String name = "qingliao-chat-client-" + CLIENTS.incrementAndGet();
    if (shared != null) {
      client = shared;
      ownDispatcherExecutor = null;
      ownTaskBackend = null;
      ownPool = null;
    } else {
      ownDispatcherExecutor = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
          new SynchronousQueue<>(), threads(name + " okhttp"));
      ownTaskBackend = new TaskRunner.RealBackend(threads(name + " okhttp-tasks"));
      // After release, a task runner thread asking for a helper thread is told no, quietly.
      ownTaskBackend.getExecutor().setRejectedExecutionHandler(new ThreadPoolExecutor.DiscardPolicy());
      TaskRunner taskRunner = new TaskRunner(ownTaskBackend, Logger.getLogger(TaskRunner.class.getName()));
      ownPool = new ConnectionPool(1, 1, TimeUnit.MINUTES, taskRunner,
          okhttp3.internal.connection.ConnectionListener.Companion.getNONE());
      // No read/write timeouts: they run on Okio's process-wide watchdog thread, which would
      // outlive the client. The chat client times the handshake (connectTimeout, to the welcome)
      // and a live socket (heartbeat) itself and cancels the socket, which ends a stuck write.
      client = new OkHttpClient.Builder()
          .dispatcher(new Dispatcher(ownDispatcherExecutor))
          .connectionPool(ownPool)
          .taskRunner$okhttp(taskRunner)
          .connectTimeout(Duration.ofSeconds(10))
          .readTimeout(Duration.ZERO)
          .writeTimeout(Duration.ZERO)
          .build();
    }
    ownScheduler = sharedScheduler == null;
    if (ownScheduler) {
      ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, threads(name + " timer"));
      timer.setRemoveOnCancelPolicy(true);
      scheduler = timer;
    } else {
      scheduler = sharedScheduler;
    }
  }

  OkHttpClient client() {
    return client;
  }

  ScheduledExecutorService scheduler() {
    return scheduler;
  }

  /** True on a thread this object created: waiting for its own pool there would stall. */
  boolean isOwnThread(Thread thread) {
    return ownThreads.contains(thread);
  }

  /**
   * Shuts down what this object created; with {@code await}, waits up to a second for those
   * threads to end (only the timer when the OkHttp client is shared). Does nothing for a shared client or timer. Idempotent.
   */
  void release(boolean await) {
    synchronized (this) {
      if (released) {
        return;
      }
      released = true;
    }
    if (ownScheduler) {
      scheduler.shutdownNow();
    }
    if (ownDispatcherExecutor != null) {
      ownDispatcherExecutor.shutdown();
      ownPool.evictAll();
      // Interrupts the task coordinator, which then cancels what is left (pool cleanup) and ends.
      ownTaskBackend.getExecutor().shutdownNow();
    }
    if (await) {
      try {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        if (ownScheduler) {
          scheduler.awaitTermination(remaining(deadline), TimeUnit.NANOSECONDS);
        }
        if (ownDispatcherExecutor != null) {
          ownDispatcherExecutor.awaitTermination(remaining(deadline), TimeUnit.NANOSECONDS);
          ownTaskBackend.getExecutor().awaitTermination(remaining(deadline), TimeUnit.NANOSECONDS);
        }
        // A terminated pool's last worker may still be running its exit code: wait for it too.
        List<Thread> threads;
        synchronized (ownThreads) {
          threads = new ArrayList<>(ownThreads);
        }
        for (Thread thread : threads) {
          if (thread != Thread.currentThread()) {
            TimeUnit.NANOSECONDS.timedJoin(thread, Math.max(1, remaining(deadline)));
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static long remaining(long deadline) {
    return Math.max(0, deadline - System.nanoTime());
  }

  private ThreadFactory threads(String name) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      ownThreads.add(thread);
      return thread;
    };
  }
}
