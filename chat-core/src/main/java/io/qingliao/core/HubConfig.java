package io.qingliao.core;

/**
 * The hub's limits, immutable. {@link #defaults()} gives the protocol's defaults; the
 * {@code with*} methods return changed copies.
 *
 * @param maxRoomsPerSession rooms one session may be in (16)
 * @param maxTextCodePoints longest chat or dm text (4096 code points)
 * @param rateLimitPerSecond frames per second per session (20); the burst is twice this
 * @param refusedFramesBeforeClose rate-limited frames in a row before close 1008 (100)
 * @param replayCap most messages replayed by {@code since} (1000)
 * @param joinHistory messages in {@code joined.history} without {@code since} (50)
 * @param slowConsumerBytes queued outbound bytes past which a session is closed with 4008 (1 MiB)
 * @param heartbeatSeconds seconds between expected client pings, sent in {@code welcome}
 * @param serverName sent in {@code welcome.server}
 */
public record HubConfig(
    int maxRoomsPerSession,
    int maxTextCodePoints,
    double rateLimitPerSecond,
    int refusedFramesBeforeClose,
    int replayCap,
    int joinHistory,
    long slowConsumerBytes,
    int heartbeatSeconds,
    String serverName) {

  public HubConfig {
    if (maxRoomsPerSession < 1 || maxTextCodePoints < 1 || rateLimitPerSecond <= 0
        || refusedFramesBeforeClose < 1 || replayCap < 1 || joinHistory < 0
        || slowConsumerBytes < 1 || heartbeatSeconds < 1) {
      throw new IllegalArgumentException("hub limits must be positive");
    }
    if (serverName == null || serverName.isBlank()) {
      serverName = "qingliao";
    }
  }

  public static HubConfig defaults() {
    return new HubConfig(16, 4096, 20, 100, 1000, 50, 1 << 20, 30, "qingliao");
  }

  public HubConfig withRateLimitPerSecond(double perSecond) {
    return new HubConfig(maxRoomsPerSession, maxTextCodePoints, perSecond, refusedFramesBeforeClose,
        replayCap, joinHistory, slowConsumerBytes, heartbeatSeconds, serverName);
  }

  public HubConfig withReplayCap(int cap) {
    return new HubConfig(maxRoomsPerSession, maxTextCodePoints, rateLimitPerSecond, refusedFramesBeforeClose,
        cap, joinHistory, slowConsumerBytes, heartbeatSeconds, serverName);
  }

  public HubConfig withSlowConsumerBytes(long bytes) {
    return new HubConfig(maxRoomsPerSession, maxTextCodePoints, rateLimitPerSecond, refusedFramesBeforeClose,
        replayCap, joinHistory, bytes, heartbeatSeconds, serverName);
  }

  public HubConfig withHeartbeatSeconds(int seconds) {
    return new HubConfig(maxRoomsPerSession, maxTextCodePoints, rateLimitPerSecond, refusedFramesBeforeClose,
        replayCap, joinHistory, slowConsumerBytes, seconds, serverName);
  }

  public HubConfig withServerName(String name) {
    return new HubConfig(maxRoomsPerSession, maxTextCodePoints, rateLimitPerSecond, refusedFramesBeforeClose,
        replayCap, joinHistory, slowConsumerBytes, heartbeatSeconds, name);
  }

  /** Burst size of the per-session token bucket: twice the rate, as the protocol says. */
  public int rateBurst() {
    return (int) Math.ceil(rateLimitPerSecond * 2);
  }
}
