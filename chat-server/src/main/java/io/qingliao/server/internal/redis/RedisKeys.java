package io.qingliao.server.internal.redis;

import io.qingliao.core.RoomName;

/**
 * Key and channel names, all under one prefix {@code P} (see docs/redis-engine.md):
 * {@code P:seq:ROOM}, {@code P:msgs:ROOM} (stream), {@code P:rooms}, {@code P:alive:NODE},
 * {@code P:pres:ROOM:NODE}, {@code P:roomnodes:ROOM}, {@code P:nick:NICK}, {@code P:guests};
 * channels {@code P:room:ROOM} and {@code P:node:NODE}. The Lua scripts build the same names.
 */
final class RedisKeys {
  final String prefix;

  RedisKeys(String prefix) {
    this.prefix = prefix;
  }

  String seq(RoomName room) {
    return prefix + ":seq:" + room.value();
  }

  String messages(RoomName room) {
    return prefix + ":msgs:" + room.value();
  }

  String rooms() {
    return prefix + ":rooms";
  }

  String alive(String node) {
    return prefix + ":alive:" + node;
  }

  String presence(RoomName room, String node) {
    return prefix + ":pres:" + room.value() + ":" + node;
  }

  String nick(String nick) {
    return prefix + ":nick:" + nick;
  }

  String guests() {
    return prefix + ":guests";
  }

  String roomChannel(RoomName room) {
    return prefix + ":room:" + room.value();
  }

  String roomChannelPattern() {
    return prefix + ":room:*";
  }

  /** The room of a room channel, or null when {@code channel} is not one. */
  RoomName roomOfChannel(String channel) {
    String head = prefix + ":room:";
    if (!channel.startsWith(head)) {
      return null;
    }
    String name = channel.substring(head.length());
    return RoomName.isValid(name) ? new RoomName(name) : null;
  }

  String nodeChannel(String node) {
    return prefix + ":node:" + node;
  }

  /** The field of a session's nick claim in {@code P:nick:NICK}. */
  static String claimField(String node, String sessionId) {
    return node + "|" + sessionId;
  }
}
