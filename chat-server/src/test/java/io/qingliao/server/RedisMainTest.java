package io.qingliao.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.qingliao.server.RedisClusterTest.Redis;
import io.qingliao.server.testing.NoLeakedThreads;
import io.qingliao.server.testing.RecordingWebSocket;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code --engine redis} on the command line (and its environment variables) runs a cluster node. */
@Timeout(60)
@ExtendWith(NoLeakedThreads.class)
class RedisMainTest {
  private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
  private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
  private final List<ChatServer> servers = new ArrayList<>();
  private String prefix;

  private Main.Launch launch(Map<String, String> env, String... args) {
    Main.Launch launch = Main.launch(args, env, new PrintStream(outBytes, true, StandardCharsets.UTF_8),
        new PrintStream(errBytes, true, StandardCharsets.UTF_8), server -> {});
    if (launch.server() != null) {
      servers.add(launch.server());
    }
    return launch;
  }

  @AfterEach
  void stop() {
    servers.forEach(ChatServer::close);
    if (prefix != null) {
      Redis.deleteKeys(6379, prefix);
    }
  }

  @Test
  void twoNodesStartedFromTheCommandLineShareTheirRooms(TestInfo test) {
    Redis.require(6379);
    prefix = Redis.prefixFor(test);
    Main.Launch a = launch(Map.of(), "--engine", "redis", "--redis-url", "redis://127.0.0.1:6379",
        "--redis-prefix", prefix, "--host", "127.0.0.1", "--ws-port", "0", "--http-port", "-1");
    Main.Launch b = launch(Map.of("QINGLIAO_ENGINE", "redis", "QINGLIAO_REDIS_PREFIX", prefix),
        "--host", "127.0.0.1", "--ws-port", "0", "--http-port", "-1", "--presence-ttl", "5");
    assertThat(a.exitCode()).isZero();
    assertThat(b.exitCode()).isZero();

    try (RecordingWebSocket alice = RecordingWebSocket.open(a.server().wsPort(), "/?nick=alice&room=cli");
        RecordingWebSocket bob = RecordingWebSocket.open(b.server().wsPort(), "/?nick=bob&room=cli")) {
      alice.awaitJson("joined");
      bob.awaitJson("joined");
      alice.send(Redis.chat("across", "c"));
      assertThat(bob.awaitJson("chat").get("text").getAsString()).isEqualTo("across");
    }
  }

  @Test
  void badEngineSettingsAreUsageErrors() {
    assertThat(launch(Map.of(), "--engine", "redis", "--redis-url", "http://example.com", "--ws-port", "0").exitCode())
        .isEqualTo(2);
    assertThat(errBytes.toString(StandardCharsets.UTF_8)).contains("redis://");
    assertThat(launch(Map.of(), "--engine", "redis", "--presence-ttl", "0", "--ws-port", "0").exitCode()).isEqualTo(2);
    assertThat(launch(Map.of(), "--engine", "nosuch").exitCode()).isEqualTo(2);
  }

  @Test
  void unreachableRedisMeansTheServerCannotStart() {
    int closedPort = 1; // nothing listens on port 1 here
    Main.Launch launch = launch(Map.of(), "--engine", "redis", "--redis-url", "redis://127.0.0.1:" + closedPort,
        "--host", "127.0.0.1", "--ws-port", "0", "--http-port", "-1");
    assertThat(launch.exitCode()).isEqualTo(1);
    assertThat(errBytes.toString(StandardCharsets.UTF_8)).contains("cannot start").contains("Redis");
  }
}
