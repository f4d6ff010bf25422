package io.qingliao.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test that leaves threads behind: every thread started during the test must be gone
 * within a few seconds of its end. OkHttp's shared client pools and JUnit's timeout watcher are
 * not ours and are ignored, as is the Prometheus library's process-wide scheduler.
 * ({@code @ExtendWith(NoLeakedThreads.class)})
 */
public final class NoLeakedThreads implements BeforeEachCallback, AfterEachCallback {
  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(NoLeakedThreads.class);
  private static final List<String> IGNORED_PREFIXES = List.of("OkHttp", "Okio", "junit-", "process reaper", "Attach Listener",
      "prometheus-metrics-scheduler");
  private static final long GRACE_MILLIS = 5_000;

  @Override
  public void beforeEach(ExtensionContext context) {
    context.getStore(NAMESPACE).put("before", liveThreads());
  }

  @Override
  @SuppressWarnings("unchecked")
  public void afterEach(ExtensionContext context) throws InterruptedException {
    Set<Thread> before = (Set<Thread>) context.getStore(NAMESPACE).get("before");
    long deadline = System.currentTimeMillis() + GRACE_MILLIS;
    Set<Thread> leaked;
    do {
      leaked = liveThreads();
      leaked.removeAll(before);
      if (leaked.isEmpty()) {
        return;
      }
      Thread.sleep(50);
    } while (System.currentTimeMillis() < deadline);
    assertThat(leaked.stream().map(Thread::getName).sorted().toList()).as("threads left behind").isEmpty();
  }

  private static Set<Thread> liveThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .filter(t -> IGNORED_PREFIXES.stream().noneMatch(t.getName()::startsWith))
        .collect(Collectors.toSet());
  }
}
