package io.qingliao.examples;

import io.qingliao.server.testing.NoLeakedThreads;
import static org.assertj.core.api.Assertions.assertThat;

import io.qingliao.client.ChatClient;
import io.qingliao.core.RoomName;
import io.qingliao.core.ServerEvent;
import io.qingliao.server.ChatServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(NoLeakedThreads.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BotTest {
  private static final Duration WAIT = Duration.ofSeconds(15);
  /** 2026-01-01 00:00 UTC is 08:00 in Shanghai. */
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneId.of("Asia/Shanghai"));

  @TempDir Path dataDir;
  private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
  private ChatServer server;
  private Bot bot;
  private ChatClient alice;
  private ChatClient carol;

  @AfterEach
  void tearDown() {
    for (AutoCloseable c : new AutoCloseable[] {carol, alice, bot, server}) {
      if (c != null) {
        try {
          c.close();
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      }
    }
  }

  @Test
  void welcomesAnswersCommandsAndKeepsWorkingAcrossAServerRestart() {
    server = server(0);
    int port = server.wsPort();
    // The bot redials slowly (3-6 s after the drop, with jitter), so alice is back and talking first.
    bot = Bot.connect(client(port, "bot").reconnectBackoff(Duration.ofSeconds(6), Duration.ofSeconds(6)), CLOCK,
        new PrintStream(logBytes, true, StandardCharsets.UTF_8));
    awaitMembers(server, "bot");

    alice = client(port, "alice").connect();
    awaitChat(alice, "bot", "欢迎 alice!");

    alice.send("/time");
    awaitChat(alice, "bot", "现在是 2026-01-01 08:00:00");
    alice.send("/who");
    awaitChat(alice, "bot", "在线 2 人: bot, alice");
    alice.send("/echo 你好 世界");
    awaitChat(alice, "bot", "你好 世界");
    alice.send("/dance");
    awaitChat(alice, "bot", "不认识 /dance，试试 /help");
    alice.send("just chatting"); // not a command: no answer
    alice.send("/help");
    awaitChat(alice, "bot", Bot.HELP);

    server.close(); // clients see 1001 and start dialing again
    server = server(port); // same port, same SQLite store
    awaitMembers(server, "alice");
    alice.send("/echo 你不在的时候").join();
    assertThat(server.hub().members(RoomName.LOBBY)).as("the bot is still away").doesNotContain("bot");

    awaitChat(alice, "bot", "你不在的时候"); // replayed to the bot when it resumed the room
    alice.send("/echo 回来了");
    awaitChat(alice, "bot", "回来了");
    carol = client(port, "carol").connect();
    awaitChat(carol, "bot", "欢迎 carol!");

    List<String> botLines = alice.events().events(ServerEvent.ChatEvent.class).stream()
        .filter(e -> e.message().from().equals("bot")).map(e -> e.message().text()).toList();
    assertThat(botLines).containsOnlyOnce("欢迎 alice!"); // a reconnect is not a new arrival
    assertThat(botLines).containsOnlyOnce("你不在的时候");
    assertThat(botLines).doesNotContain("just chatting");
    assertThat(logBytes.toString(StandardCharsets.UTF_8)).contains("connected to").contains("connection lost");
  }

  @Test
  void composesAnswersFromTheCommandText() {
    server = server(0);
    bot = Bot.connect(client(server.wsPort(), "bot"), CLOCK, new PrintStream(logBytes, true, StandardCharsets.UTF_8));
    assertThat(bot.answer("hello /time")).isNull();
    assertThat(bot.answer("/time")).isEqualTo("现在是 2026-01-01 08:00:00");
    assertThat(bot.answer("/echo   spaced  out ")).isEqualTo("spaced  out");
    assertThat(bot.answer("/echo")).isEqualTo("用法: /echo <文字>");
    assertThat(Bot.who(List.of("小助手", "alice"))).isEqualTo("在线 2 人: 小助手, alice");
  }

  private ChatServer server(int port) {
    return ChatServer.builder().host("127.0.0.1").wsPort(port).httpPort(-1).sqliteStore(dataDir).build().start();
  }

  private static ChatClient.Builder client(int port, String nick) {
    return ChatClient.builder().url("ws://127.0.0.1:" + port).nick(nick)
        .reconnectBackoff(Duration.ofMillis(100), Duration.ofMillis(500));
  }

  private static void awaitMembers(ChatServer server, String... nicks) {
    Awaitility.await().atMost(WAIT)
        .until(() -> server.hub().members(RoomName.LOBBY), m -> m.containsAll(List.of(nicks)));
  }

  private static void awaitChat(ChatClient client, String from, String text) {
    client.await(ServerEvent.ChatEvent.class,
        e -> e.message().from().equals(from) && e.message().text().equals(text), WAIT);
  }
}
