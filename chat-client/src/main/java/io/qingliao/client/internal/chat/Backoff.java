package io.qingliao.client.internal.chat;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter: attempt {@code n} waits a random time between half and all of
 * {@code min * 2^n}, capped at {@code max}, so that clients dropped together do not all dial
 * back at the same instant.
 */
final class Backoff {
  private final long minNanos;
  private final long maxNanos;

  Backoff(Duration min, Duration max) {
    this.minNanos = min.toNanos();
    this.maxNanos = max.toNanos();
  }

  Duration delay(int attempt) {
    long base = minNanos;
    for (int i = 0; i < attempt && base < maxNanos; i++) {
      base = base > maxNanos / 2 ? maxNanos : base * 2;
    }
    base = Math.min(base, maxNanos);
    long half = base / 2;
    return Duration.ofNanos(half + ThreadLocalRandom.current().nextLong(base - half + 1));
  }
}
