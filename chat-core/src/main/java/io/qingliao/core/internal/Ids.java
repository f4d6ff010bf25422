package io.qingliao.core.internal;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Unique ids for sessions and messages: a random prefix per hub (so ids stay unique across
 * restarts with the same store) and a counter, both in base 36.
 */
final class Ids {
  private final String prefix;
  private final AtomicLong counter = new AtomicLong();

  Ids() {
    long random = new SecureRandom().nextLong() & Long.MAX_VALUE;
    prefix = Long.toString(random, 36);
  }

  String next() {
    return prefix + "-" + Long.toString(counter.incrementAndGet(), 36);
  }
}
