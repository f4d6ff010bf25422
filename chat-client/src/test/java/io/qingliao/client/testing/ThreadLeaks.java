package io.qingliao.client.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Compares live threads before and after a test. Two kinds of thread are process-wide, shared
 * by every OkHttp client and server in the JVM, end by themselves after a minute idle, and
 * cannot be stopped by a {@code Wx}: OkHttp's task runner ({@code OkHttp TaskRunner}) and Okio's
 * timeout watchdog ({@code Okio Watchdog}). They are the only threads allowed to stay.
 */
public final class ThreadLeaks {
  private static final Set<String> PROCESS_WIDE = Set.of("OkHttp TaskRunner", "Okio Watchdog");

  private final Set<Thread> before;

  private ThreadLeaks(Set<Thread> before) {
    this.before = before;
  }

  public static ThreadLeaks snapshot() {
    return new ThreadLeaks(new HashSet<>(Thread.getAllStackTraces().keySet()));
  }

  /** Threads started since the snapshot that are still alive, the process-wide ones aside. */
  public List<String> newThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> !before.contains(t) && t.isAlive())
        .filter(t -> !PROCESS_WIDE.contains(t.getName()))
        .map(Thread::getName)
        .sorted()
        .collect(Collectors.toList());
  }

  /** Waits up to {@code patience} for every new thread to end. */
  public void assertNoneLeft(Duration patience) throws InterruptedException {
    long deadline = System.nanoTime() + patience.toNanos();
    List<String> left = newThreads();
    while (!left.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(20);
      left = newThreads();
    }
    assertThat(left).as("threads left behind").isEmpty();
  }

  /** Names of every thread started since the snapshot, the process-wide ones included. */
  public List<String> allNewThreadNames() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> !before.contains(t) && t.isAlive())
        .map(Thread::getName)
        .sorted()
        .collect(Collectors.toList());
  }
}
