package io.qingliao.server.internal.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The engine's Lua scripts. Each runs atomically in Redis; they are sent by SHA1 and, after a
 * Redis restart forgot them ({@code NOSCRIPT}), once more in full. Scripts that read presence or
 * nick entries build key names from the prefix they get, so the engine needs one Redis (or a
 * primary with replicas), not Redis Cluster.
 */
final class LuaScripts {

  /** One script: its source and SHA1. */
  static final class Script {
    final String source;
    final String sha;

    Script(String source) {
      this.source = source;
      this.sha = sha1(source);
    }

    <T> CompletableFuture<T> run(RedisAsyncCommands<String, String> redis, ScriptOutputType type,
        String[] keys, String... args) {
      return redis.<T>evalsha(sha, type, keys, args).toCompletableFuture()
          .exceptionallyCompose(e -> {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof RedisNoScriptException) {
              return redis.<T>eval(source, type, keys, args).toCompletableFuture();
            }
            return CompletableFuture.failedFuture(cause);
          });
    }

    private static String sha1(String source) {
      try {
        return HexFormat.of().formatHex(
            MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8)));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-1 is missing", e);
      }
    }
  }

  /** Live presence values of a room ({@code order|nick}), dropping nodes whose alive key expired. */
  private static final String LIVE = """
      local function live(prefix, room, values)
        local nodesKey = prefix .. ':roomnodes:' .. room
        local out, count = {}, 0
        for _, node in ipairs(redis.call('SMEMBERS', nodesKey)) do
          local pres = prefix .. ':pres:' .. room .. ':' .. node
          if redis.call('EXISTS', prefix .. ':alive:' .. node) == 0 then
            redis.call('SREM', nodesKey, node)
          elseif values then
            local entries = redis.call('HVALS', pres)
            if #entries == 0 then redis.call('SREM', nodesKey, node) end
            for _, v in ipairs(entries) do out[#out + 1] = v end
          else
            local n = redis.call('HLEN', pres)
            if n == 0 then redis.call('SREM', nodesKey, node) end
            count = count + n
          end
        end
        if values then return out end
        return count
      end
      """;

  /**
   * KEYS: seq, stream, rooms. ARGV: room, message JSON, max length, channel. Assigns the next
   * seq, appends the message (stream id SEQ-0), trims, and publishes {@code cSEQ\\nJSON}.
   */
  static final Script PUBLISH = new Script("""
      local seq = redis.call('INCR', KEYS[1])
      redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[3], seq .. '-0', 'm', ARGV[2])
      redis.call('SADD', KEYS[3], ARGV[1])
      redis.call('PUBLISH', ARGV[4], 'c' .. seq .. '\\n' .. ARGV[2])
      return seq
      """);

  /**
   * ARGV: prefix, room, node, session, nick, ttl ms. Returns {order, values of live members...};
   * the order (from {@code P:joinorder}) is also the version of this presence change.
   */
  static final Script JOIN = new Script(LIVE + """
      local prefix, room, node = ARGV[1], ARGV[2], ARGV[3]
      local order = redis.call('INCR', prefix .. ':joinorder')
      local pres = prefix .. ':pres:' .. room .. ':' .. node
      redis.call('HSET', pres, ARGV[4], order .. '|' .. ARGV[5])
      redis.call('PEXPIRE', pres, ARGV[6])
      redis.call('SADD', prefix .. ':roomnodes:' .. room, node)
      redis.call('SADD', prefix .. ':rooms', room)
      local out = live(prefix, room, true)
      table.insert(out, 1, order)
      return out
      """);

  /** ARGV: prefix, room, node, session. Returns {live member count after removing it, version}. */
  static final Script LEAVE = new Script(LIVE + """
      redis.call('HDEL', ARGV[1] .. ':pres:' .. ARGV[2] .. ':' .. ARGV[3], ARGV[4])
      local version = redis.call('INCR', ARGV[1] .. ':joinorder')
      return {live(ARGV[1], ARGV[2], false), version}
      """);

  /** ARGV: prefix, room. Returns the values of live members. */
  static final Script MEMBERS = new Script(LIVE + """
      return live(ARGV[1], ARGV[2], true)
      """);

  /** ARGV: prefix. Returns {room, members, seq, ...} for rooms with live members or messages. */
  static final Script ROOMS = new Script(LIVE + """
      local prefix = ARGV[1]
      local out = {}
      local names = ARGV[2] and {ARGV[2]} or redis.call('SMEMBERS', prefix .. ':rooms')
      for _, room in ipairs(names) do
        local seq = tonumber(redis.call('GET', prefix .. ':seq:' .. room) or '0')
        local count = live(prefix, room, false)
        if seq == 0 and count == 0 then
          if not ARGV[2] then redis.call('SREM', prefix .. ':rooms', room) end
        else
          out[#out + 1] = room
          out[#out + 1] = count
          out[#out + 1] = seq
        end
      end
      return out
      """);

  /** ARGV: prefix, node, session, then pairs (room, value): shows a new nick in presence; returns the version. */
  static final Script RENAME = new Script("""
      for i = 4, #ARGV, 2 do
        local pres = ARGV[1] .. ':pres:' .. ARGV[i] .. ':' .. ARGV[2]
        if redis.call('EXISTS', pres) == 1 then redis.call('HSET', pres, ARGV[3], ARGV[i + 1]) end
      end
      return redis.call('INCR', ARGV[1] .. ':joinorder')
      """);

  /**
   * ARGV: prefix, node, ttl ms, then rooms. Refreshes the node's alive key and presence entries;
   * returns 0 when the alive key had expired or was lost, -1 when a presence entry was, 1 when
   * all was there (otherwise the node re-registers everything).
   */
  static final Script HEARTBEAT = new Script("""
      local prefix, node, ttl = ARGV[1], ARGV[2], ARGV[3]
      local ok = 1
      if not redis.call('SET', prefix .. ':alive:' .. node, '1', 'PX', ttl, 'GET') then ok = 0 end
      for i = 4, #ARGV do
        if redis.call('PEXPIRE', prefix .. ':pres:' .. ARGV[i] .. ':' .. node, ttl) == 0 then ok = -1 end
        redis.call('SADD', prefix .. ':roomnodes:' .. ARGV[i], node)
      end
      return ok
      """);

  /**
   * ARGV: prefix, node, ttl ms, then a room count and per room: name, entry count, (session,
   * value)...; then a claim count and per claim: nick, session, subject; then a release count and
   * per release: nick, session. Rewrites this node's presence and nick claims from its own state.
   */
  static final Script RESYNC = new Script("""
      local prefix, node, ttl = ARGV[1], ARGV[2], ARGV[3]
      redis.call('SET', prefix .. ':alive:' .. node, '1', 'PX', ttl)
      local i = 4
      for r = 1, tonumber(ARGV[i]) do
        local room, n = ARGV[i + 1], tonumber(ARGV[i + 2])
        i = i + 2
        local pres = prefix .. ':pres:' .. room .. ':' .. node
        redis.call('DEL', pres)
        for e = 1, n do
          redis.call('HSET', pres, ARGV[i + 1], ARGV[i + 2])
          i = i + 2
        end
        if n > 0 then
          redis.call('PEXPIRE', pres, ttl)
          redis.call('SADD', prefix .. ':roomnodes:' .. room, node)
          redis.call('SADD', prefix .. ':rooms', room)
        end
      end
      i = i + 1
      for c = 1, tonumber(ARGV[i]) do
        redis.call('HSET', prefix .. ':nick:' .. ARGV[i + 1], node .. '|' .. ARGV[i + 2], ARGV[i + 3])
        i = i + 3
      end
      i = i + 1
      for c = 1, tonumber(ARGV[i]) do
        redis.call('HDEL', prefix .. ':nick:' .. ARGV[i + 1], node .. '|' .. ARGV[i + 2])
        i = i + 2
      end
      return 1
      """);

  /**
   * KEYS: the nick's key. ARGV: prefix, claim field, subject ('' for none). Claims the nick unless
   * a live session of another subject holds it; forgets claims of expired nodes on the way.
   */
  static final Script CLAIM_NICK = new Script("""
      local entries = redis.call('HGETALL', KEYS[1])
      for i = 1, #entries, 2 do
        local field, subject = entries[i], entries[i + 1]
        if field ~= ARGV[2] then
          local node = string.match(field, '^([^|]*)|')
          if redis.call('EXISTS', ARGV[1] .. ':alive:' .. node) == 0 then
            redis.call('HDEL', KEYS[1], field)
          elseif ARGV[3] == '' or subject ~= ARGV[3] then
            return 0
          end
        end
      end
      redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
      return 1
      """);

  /**
   * KEYS: the nick's key. ARGV: prefix, this node, dm JSON. Publishes the dm once to every other
   * live node holding the nick. Returns {live holders, holders on this node, holders on other
   * nodes whose channel had a subscriber} (a node whose pub/sub connection is reconnecting has none).
   */
  static final Script DM = new Script("""
      local entries = redis.call('HGETALL', KEYS[1])
      local count, here, reached, sent = 0, 0, 0, {}
      for i = 1, #entries, 2 do
        local node = string.match(entries[i], '^([^|]*)|')
        if redis.call('EXISTS', ARGV[1] .. ':alive:' .. node) == 1 then
          count = count + 1
          if node == ARGV[2] then
            here = here + 1
          else
            if sent[node] == nil then
              sent[node] = redis.call('PUBLISH', ARGV[1] .. ':node:' .. node, 'd' .. ARGV[3])
            end
            if sent[node] > 0 then reached = reached + 1 end
          end
        end
      end
      return {count, here, reached}
      """);

  private LuaScripts() {}
}
