package io.qingliao.client;

import io.qingliao.core.ServerEvent;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The newest events a {@link ChatClient} delivered to its listeners, kept for tests and simple
 * bots: {@link #await} waits for an event matching a predicate, {@link #events()} lists them.
 * It holds at most {@code capacity} events (the oldest are dropped first) and is thread-safe.
 */
public final class ChatEventLog implements ChatListener {
  private final int capacity;
  private final ArrayDeque<ServerEvent> events = new ArrayDeque<>();
  private long dropped;

  /** A log that keeps the newest {@code capacity} events; 0 keeps none. */
  public ChatEventLog(int capacity) {
    if (capacity < 0) {
      throw new IllegalArgumentException("capacity < 0: " + capacity);
    }
    this.capacity = capacity;
  }

  @Override
  public void onEvent(ChatClient client, ServerEvent event) {
    add(event);
  }

  /** Records {@code event}, dropping the oldest one when full, and wakes up waiters. */
  public synchronized void add(ServerEvent event) {
    if (capacity == 0) {
      dropped++;
      return;
    }
    if (events.size() == capacity) {
      events.removeFirst();
      dropped++;
    }
    events.addLast(event);
    notifyAll();
  }

  /** A copy of the recorded events, oldest first. */
  public synchronized List<ServerEvent> events() {
    return List.copyOf(events);
  }

  /** A copy of the recorded events of one type, oldest first. */
  public synchronized <T extends ServerEvent> List<T> events(Class<T> type) {
    List<T> result = new ArrayList<>();
    for (ServerEvent event : events) {
      if (type.isInstance(event)) {
        result.add(type.cast(event));
      }
    }
    return List.copyOf(result);
  }

  /** Events dropped because the log was full. */
  public synchronized long dropped() {
    return dropped;
  }

  /** Forgets every recorded event. */
  public synchronized void clear() {
    events.clear();
  }

  /**
   * The oldest recorded event of {@code type} that matches {@code predicate}, waiting up to
   * {@code timeout} for one to arrive. A test helper: it throws {@link AssertionError}, listing
   * the newest events, when none matched in time, and when interrupted.
   */
  public synchronized <T extends ServerEvent> T await(Class<T> type, Predicate<? super T> predicate,
      Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      for (ServerEvent event : events) {
        if (type.isInstance(event) && predicate.test(type.cast(event))) {
          return type.cast(event);
        }
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("no " + type.getSimpleName() + " matched within " + timeout
            + "; newest events: " + newest(10));
      }
      try {
        long millis = Math.max(1, left / 1_000_000);
        wait(millis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while awaiting " + type.getSimpleName(), e);
      }
    }
  }

  /** Like {@link #await(Class, Predicate, Duration)}, for any event of {@code type}. */
  public <T extends ServerEvent> T await(Class<T> type, Duration timeout) {
    return await(type, event -> true, timeout);
  }

  private List<ServerEvent> newest(int count) {
    List<ServerEvent> all = new ArrayList<>(events);
    return all.subList(Math.max(0, all.size() - count), all.size());
  }
}
