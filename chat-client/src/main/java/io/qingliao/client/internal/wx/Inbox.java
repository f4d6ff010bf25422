package io.qingliao.client.internal.wx;

import java.util.ArrayDeque;

/**
 * The incoming events of one socket on their way to the callback thread: in arrival order,
 * each held back by the task's injected delay, and never overtaking one another. One event runs
 * per turn of the callback thread, so a callback posted meanwhile (say {@code closeSocket:ok})
 * comes before the next event (the {@code onClose} it caused).
 */
final class Inbox {
  private record Entry(long due, Runnable event) {
  }

  private final CallbackThread thread;
  private final ArrayDeque<Entry> queue = new ArrayDeque<>();
  private long lastDue;
  private boolean scheduled;
  private volatile long delayNanos;

  Inbox(CallbackThread thread) {
    this.thread = thread;
  }

  void delay(long nanos) {
    delayNanos = nanos;
  }

  void post(Runnable event) {
    synchronized (this) {
      long now = System.nanoTime();
      long due = now + delayNanos;
      if (!queue.isEmpty() && due - lastDue < 0) {
        due = lastDue;
      }
      lastDue = due;
      queue.add(new Entry(due, event));
      if (!scheduled) {
        scheduled = true;
        thread.schedule(this::drainOne, due - now);
      }
    }
  }

  private void drainOne() {
    Runnable event;
    synchronized (this) {
      Entry head = queue.peek();
      if (head == null) {
        scheduled = false;
        return;
      }
      long wait = head.due() - System.nanoTime();
      if (wait > 0) {
        thread.schedule(this::drainOne, wait);
        return;
      }
      queue.poll();
      event = head.event();
      if (queue.isEmpty()) {
        scheduled = false;
      } else {
        thread.schedule(this::drainOne, queue.peek().due() - System.nanoTime());
      }
    }
    event.run();
  }
}
