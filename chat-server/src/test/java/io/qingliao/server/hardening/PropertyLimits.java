package io.qingliao.server.hardening;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * For jqwik properties what {@code @Timeout} and {@code NoLeakedThreads} are for Jupiter tests
 * (jqwik runs its own engine, which honours neither): a property fails if it takes longer than
 * {@link #MAX_DURATION} or leaves a thread it started alive 5 s after its end.
 * ({@code @AddLifecycleHook(PropertyLimits.class)})
 */
public final class PropertyLimits implements AroundPropertyHook {
  static final Duration MAX_DURATION = Duration.ofSeconds(30);
  private static final long GRACE_MILLIS = 5_000;
  private static final List<String> IGNORED_PREFIXES = List.of("OkHttp", "Okio", "junit-", "process reaper",
      "Attach Listener", "prometheus-metrics-scheduler");

  /** Declared on a class, the hook applies to each of its properties. */
  @Override
  public PropagationMode propagateTo() {
    return PropagationMode.ALL_DESCENDANTS;
  }

  @Override
  public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property)
      throws InterruptedException {
    Set<Thread> before = liveThreads();
    long start = System.nanoTime();
    PropertyExecutionResult result = property.execute();
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    if (took.compareTo(MAX_DURATION) > 0) {
      return result.mapToFailed("property took " + took.toMillis() + " ms, over " + MAX_DURATION.toMillis() + " ms");
    }
    long deadline = System.currentTimeMillis() + GRACE_MILLIS;
    Set<Thread> leaked;
    do {
      leaked = liveThreads();
      leaked.removeAll(before);
      if (leaked.isEmpty()) {
        return result;
      }
      Thread.sleep(50);
    } while (System.currentTimeMillis() < deadline);
    return result.mapToFailed("threads left behind: " + leaked.stream().map(Thread::getName).sorted().toList());
  }

  private static Set<Thread> liveThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .filter(t -> IGNORED_PREFIXES.stream().noneMatch(t.getName()::startsWith))
        .collect(Collectors.toSet());
  }
}
