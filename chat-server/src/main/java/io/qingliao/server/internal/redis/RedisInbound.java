package io.qingliao.server.internal.redis;

import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.qingliao.core.ClusterEvents;
import io.qingliao.core.RoomName;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the pub/sub connection receives: handed from Lettuce's I/O thread to the engine's event
 * thread, decoded ({@link RedisWire}) and passed to the hub. Chats go in whatever order and
 * number they arrive (the hub orders them); this node's own notices are skipped (its hub sent
 * them already).
 */
final class RedisInbound extends RedisPubSubAdapter<String, String> {
  private static final Logger log = LoggerFactory.getLogger(RedisInbound.class);

  private final RedisKeys keys;
  private final String nodeId;
  private final Supplier<ClusterEvents> hub;
  private final Executor events;
  private final Runnable resubscribed;

  RedisInbound(RedisKeys keys, String nodeId, Supplier<ClusterEvents> hub, Executor events, Runnable resubscribed) {
    this.keys = keys;
    this.nodeId = nodeId;
    this.hub = hub;
    this.events = events;
    this.resubscribed = resubscribed;
  }

  @Override
  public void message(String pattern, String channel, String message) {
    events.execute(() -> onRoomMessage(channel, message));
  }

  @Override
  public void message(String channel, String message) {
    events.execute(() -> onNodeMessage(message));
  }

  @Override
  public void psubscribed(String pattern, long count) {
    // Also after a reconnect, when Lettuce subscribes again: fetch what was published in between.
    events.execute(resubscribed);
  }

  private void onRoomMessage(String channel, String message) {
    ClusterEvents target = hub.get();
    RoomName room = keys.roomOfChannel(channel);
    if (target == null || room == null || message.isEmpty()) {
      return;
    }
    try {
      int newline = message.indexOf('\n');
      if (message.charAt(0) == 'c') {
        long seq = Long.parseLong(message.substring(1, newline));
        target.chat(RedisWire.chat(room, seq, message.substring(newline + 1)));
      } else if (message.charAt(0) == 'n' && !message.substring(1, newline).equals(nodeId)) {
        String json = message.substring(newline + 1);
        target.notice(RedisWire.notice(room, json), RedisWire.noticeVersion(json));
      }
    } catch (RuntimeException e) {
      log.warn("cannot handle a message on {}", channel, e);
    }
  }

  private void onNodeMessage(String message) {
    ClusterEvents target = hub.get();
    if (target == null || message.isEmpty() || message.charAt(0) != 'd') {
      return;
    }
    try {
      target.dm(RedisWire.dm(message.substring(1)));
    } catch (RuntimeException e) {
      log.warn("cannot handle a direct message", e);
    }
  }
}
