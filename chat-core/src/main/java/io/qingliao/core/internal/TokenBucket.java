package io.qingliao.core.internal;

/**
 * A token bucket refilled lazily from the clock: no timer, the refill is computed when a frame
 * arrives. Not thread-safe; the owning session guards it.
 */
final class TokenBucket {
  private final double perMilli;
  private final double capacity;
  private double tokens;
  private long lastMillis;

  TokenBucket(double perSecond, int burst, long nowMillis) {
    this.perMilli = perSecond / 1000.0;
    this.capacity = burst;
    this.tokens = burst;
    this.lastMillis = nowMillis;
  }

  /** Takes one token if there is one. */
  boolean tryTake(long nowMillis) {
    if (nowMillis > lastMillis) {
      tokens = Math.min(capacity, tokens + (nowMillis - lastMillis) * perMilli);
      lastMillis = nowMillis;
    }
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }
}
