package io.qingliao.server.internal.redis;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.qingliao.core.ChatMessage;
import io.qingliao.core.MessageDraft;
import io.qingliao.core.MessageStore;
import io.qingliao.core.RoomName;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The cluster's history as a {@link MessageStore}: one Redis stream per room whose entry ids are
 * {@code SEQ-0}, so reads by seq are range reads. {@code append} is the broker's publish;
 * {@code close} closes the broker. Reads throw {@code StoreUnavailableException} when Redis
 * cannot answer.
 */
final class RedisHistory implements MessageStore {
  private final RedisClusterBroker broker;
  private final RedisConnections redis;
  private final RedisKeys keys;

  RedisHistory(RedisClusterBroker broker, RedisConnections redis, RedisKeys keys) {
    this.broker = broker;
    this.redis = redis;
    this.keys = keys;
  }

  @Override
  public CompletableFuture<ChatMessage> append(MessageDraft draft) {
    return broker.publish(draft);
  }

  @Override
  public List<ChatMessage> readAfter(RoomName room, long afterSeq, int limit) {
    if (limit <= 0 || afterSeq == Long.MAX_VALUE) {
      return List.of();
    }
    Range<String> range = Range.from(Range.Boundary.including((afterSeq + 1) + "-0"), Range.Boundary.unbounded());
    List<StreamMessage<String, String>> entries;
    try {
      entries = redis.await(redis.async().xrange(keys.messages(room), range, Limit.from(limit)));
    } catch (RuntimeException e) {
      throw RedisConnections.unavailable(e);
    }
    return decode(room, entries, false);
  }

  @Override
  public List<ChatMessage> readBefore(RoomName room, long beforeSeq, int limit) {
    if (limit <= 0 || beforeSeq <= 1) {
      return List.of();
    }
    Range.Boundary<String> upper = beforeSeq == Long.MAX_VALUE ? Range.Boundary.unbounded()
        : Range.Boundary.including((beforeSeq - 1) + "-0");
    List<StreamMessage<String, String>> entries;
    try {
      entries = redis.await(redis.async().xrevrange(keys.messages(room),
          Range.from(Range.Boundary.unbounded(), upper), Limit.from(limit)));
    } catch (RuntimeException e) {
      throw RedisConnections.unavailable(e);
    }
    return decode(room, entries, true);
  }

  private static List<ChatMessage> decode(RoomName room, List<StreamMessage<String, String>> entries, boolean reverse) {
    List<ChatMessage> out = new ArrayList<>(entries.size());
    for (StreamMessage<String, String> e : entries) {
      out.add(RedisWire.chat(room, RedisWire.seqOfEntry(e.getId()), e.getBody().get("m")));
    }
    if (reverse) {
      Collections.reverse(out);
    }
    return Collections.unmodifiableList(out);
  }

  @Override
  public long latestSeq(RoomName room) {
    String value;
    try {
      value = redis.await(redis.async().get(keys.seq(room)));
    } catch (RuntimeException e) {
      throw RedisConnections.unavailable(e);
    }
    return value == null ? 0 : Long.parseLong(value);
  }

  @Override
  public List<RoomName> rooms() {
    List<RoomName> names = new ArrayList<>();
    for (var summary : broker.rooms()) {
      if (summary.seq() > 0) {
        names.add(summary.room());
      }
    }
    return List.copyOf(names);
  }

  @Override
  public void close() {
    broker.close();
  }
}
