package io.qingliao.server.internal.redis;

import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The engine options of the command line, a picocli mixin added by {@code Main}: {@code --engine embedded|redis}
 * and the Redis engine's settings. Each falls back to its {@code QINGLIAO_*} variable like the
 * other options ({@code --redis-url} ↔ {@code QINGLIAO_REDIS_URL}).
 */
public final class EngineOptions {
  /** How nodes fan out and keep history. */
  public enum Engine { embedded, redis }

  @Option(names = "--engine", paramLabel = "ENGINE", defaultValue = "embedded",
      description = "embedded: one node, in-process fan-out, history in --store; redis: one node of a "
          + "cluster on Redis (history, presence and nicks in Redis; --store is not used) "
          + "(default: ${DEFAULT-VALUE}; env QINGLIAO_ENGINE).")
  Engine engine;

  @Option(names = "--redis-url", paramLabel = "URL", defaultValue = "redis://127.0.0.1:6379",
      description = "Redis of the redis engine, redis://[:PASSWORD@]HOST:PORT[/DB] or rediss:// "
          + "(default: redis://127.0.0.1:6379; env QINGLIAO_REDIS_URL, which keeps a password out of ps).")
  String redisUrl;

  @Option(names = "--redis-prefix", paramLabel = "PREFIX", defaultValue = "qingliao",
      description = "Prefix of every Redis key and channel; nodes with the same prefix form one cluster "
          + "(default: ${DEFAULT-VALUE}; env QINGLIAO_REDIS_PREFIX).")
  String redisPrefix;

  @Option(names = "--redis-history", paramLabel = "N", defaultValue = "10000",
      description = "Messages kept per room in Redis (default: ${DEFAULT-VALUE}; env QINGLIAO_REDIS_HISTORY).")
  int redisHistory;

  @Option(names = "--presence-ttl", paramLabel = "SECONDS", defaultValue = "30",
      description = "Seconds after which the sessions of a node that died leave presence "
          + "(default: ${DEFAULT-VALUE}; env QINGLIAO_PRESENCE_TTL).")
  int presenceTtlSeconds;

  /**
   * The Redis settings when {@code --engine redis}, else null; a bad value is a usage error
   * ({@link ParameterException} for {@code cmd}).
   */
  public RedisSettings redisSettings(CommandLine cmd) {
    if (engine != Engine.redis) {
      return null;
    }
    try {
      return RedisSettings.defaults(redisUrl).withKeyPrefix(redisPrefix).withHistoryLength(redisHistory)
          .withPresenceTtl(Duration.ofSeconds(presenceTtlSeconds));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(cmd, e.getMessage());
    }
  }
}
