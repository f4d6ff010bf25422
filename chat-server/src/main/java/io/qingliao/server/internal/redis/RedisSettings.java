package io.qingliao.server.internal.redis;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Settings of the Redis engine, immutable; {@link #defaults} gives the defaults and the
 * {@code with*} methods changed copies.
 *
 * @param url {@code redis://[:password@]host:port[/db]} (or {@code rediss://} for TLS)
 * @param keyPrefix prefix of every key and channel ({@code qingliao}); nodes that share one
 *     prefix form one cluster
 * @param historyLength messages kept per room (10,000); older ones are trimmed
 * @param presenceTtl how long the sessions of a node that stopped without saying goodbye stay in
 *     presence (30 s); the node's heartbeat refreshes its entries every third of it
 * @param commandTimeout longest wait for one Redis command (2 s)
 * @param gapDelay how long a node waits for a missing seq before reading it back from the
 *     history (100 ms)
 */
public record RedisSettings(String url, String keyPrefix, int historyLength, Duration presenceTtl,
    Duration commandTimeout, Duration gapDelay) {
  private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");

  public RedisSettings {
    Objects.requireNonNull(url, "url");
    if (!url.startsWith("redis://") && !url.startsWith("rediss://")) {
      throw new IllegalArgumentException("redis url must start with redis:// or rediss://: " + url);
    }
    if (keyPrefix == null || !PREFIX.matcher(keyPrefix).matches()) {
      throw new IllegalArgumentException("key prefix must be 1-64 of [A-Za-z0-9_.:-]: " + keyPrefix);
    }
    if (historyLength < 1) {
      throw new IllegalArgumentException("historyLength must be positive: " + historyLength);
    }
    if (presenceTtl.toMillis() < 300 || commandTimeout.toMillis() < 1 || gapDelay.toMillis() < 1) {
      throw new IllegalArgumentException("presenceTtl must be >= 300 ms, timeouts positive");
    }
  }

  public static RedisSettings defaults(String url) {
    return new RedisSettings(url, "qingliao", 10_000, Duration.ofSeconds(30), Duration.ofSeconds(2),
        Duration.ofMillis(100));
  }

  public RedisSettings withKeyPrefix(String prefix) {
    return new RedisSettings(url, prefix, historyLength, presenceTtl, commandTimeout, gapDelay);
  }

  public RedisSettings withHistoryLength(int length) {
    return new RedisSettings(url, keyPrefix, length, presenceTtl, commandTimeout, gapDelay);
  }

  public RedisSettings withPresenceTtl(Duration ttl) {
    return new RedisSettings(url, keyPrefix, historyLength, ttl, commandTimeout, gapDelay);
  }

  public RedisSettings withCommandTimeout(Duration timeout) {
    return new RedisSettings(url, keyPrefix, historyLength, presenceTtl, timeout, gapDelay);
  }

  /** Heartbeat period: a third of the presence TTL. */
  Duration heartbeat() {
    return presenceTtl.dividedBy(3);
  }
}
