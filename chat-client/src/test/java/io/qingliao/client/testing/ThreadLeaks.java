package io.qingliao.client.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Compares live threads before and after a test. OkHttp's process-wide task runner keeps idle
 * threads named {@code OkHttp TaskRunner} for up to a minute; they are shared by every client
 * and server in the JVM, no {@code Wx} can stop them, and they are the only threads allowed to
 * stay.
 */
public final class ThreadLeaks {
  private static final String OKHTTP_SHARED_POOL = "OkHttp TaskRunner";

  private final Set<Thread> before;

  private ThreadLeaks(Set<Thread> before) {
    this.before = before;
  }

  public static ThreadLeaks snapshot() {
    return new ThreadLeaks(new HashSet<>(Thread.getAllStackTraces().keySet()));
  }

  /** Threads started since the snapshot that are still alive, OkHttp's shared pool aside. */
  public List<String> newThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> !before.contains(t) && t.isAlive())
        .filter(t -> !t.getName().equals(OKHTTP_SHARED_POOL))
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

  /** Names of every thread started since the snapshot, OkHttp's shared pool included. */
  public List<String> allNewThreadNames() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> !before.contains(t) && t.isAlive())
        .map(Thread::getName)
        .sorted()
        .collect(Collectors.toList());
  }
}
