package io.qingliao.client.internal.wx;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that runs every callback of a runtime, in the order they were posted, as the
 * mini-program's JavaScript thread does. A callback that throws is logged, like an uncaught
 * error in the page, and the next one runs.
 */
final class CallbackThread {
  private static final Logger log = LoggerFactory.getLogger(CallbackThread.class);

  private final ScheduledThreadPoolExecutor executor;
  private volatile Thread thread;

  CallbackThread(String name) {
    executor = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      thread = t;
      return t;
    });
    executor.setRemoveOnCancelPolicy(true);
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  /** Runs {@code task} after everything posted before it. Dropped once shut down. */
  void post(Runnable task) {
    schedule(task, 0);
  }

  /** Runs {@code task} after {@code delayNanos}; null once shut down. */
  ScheduledFuture<?> schedule(Runnable task, long delayNanos) {
    try {
      return executor.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException shutDown) {
      return null;
    }
  }

  boolean isCurrent() {
    return Thread.currentThread() == thread;
  }

  /** Calls user code, logging what it throws. */
  static <T> void invoke(Consumer<T> listener, T value) {
    try {
      listener.accept(value);
    } catch (RuntimeException | AssertionError | LinkageError e) {
      log.warn("callback threw; continuing as the mini-program runtime does", e);
    }
  }

  /** Stops the thread; waits for it unless called from it. */
  void shutdown() {
    executor.shutdownNow();
    if (isCurrent()) {
      return;
    }
    try {
      if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
        log.warn("callback thread still busy 5 s after close");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
