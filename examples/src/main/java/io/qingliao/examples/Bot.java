package io.qingliao.examples;

import io.qingliao.client.ChatClient;
import io.qingliao.client.ChatListener;
import io.qingliao.client.ConnectionListener;
import io.qingliao.core.ChatMessage;
import io.qingliao.core.RoomName;
import io.qingliao.core.ServerEvent;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * A scripted bot on {@link ChatClient}: it welcomes whoever joins its rooms ({@code 欢迎 alice!})
 * and answers a few commands typed in the room:
 *
 * <ul>
 *   <li>{@code /time}: the time now ({@code 现在是 2026-11-28 11:30:00});
 *   <li>{@code /who}: who is in the room, in join order ({@code 在线 2 人: 小助手, alice});
 *   <li>{@code /echo <text>}: says {@code <text>} back;
 *   <li>{@code /help}: the list above.
 * </ul>
 *
 * <p>All the networking is the client's: when the server restarts, the client reconnects with
 * backoff, rejoins the bot's rooms and replays what the bot missed, so commands typed while it was
 * away are still answered, once. The bot itself only reacts to events and never blocks the
 * client's thread: every reply is a request whose future it watches.
 *
 * <pre>
 * java -cp examples/target/qingliao-examples.jar io.qingliao.examples.Bot --url ws://localhost:8000
 * </pre>
 */
public final class Bot implements AutoCloseable {
  /** A nick that rejoins within this time (a reconnect, a page reload) is not welcomed again. */
  static final Duration WELCOME_AGAIN_AFTER = Duration.ofMinutes(10);
  static final String HELP = "我会: /time 现在几点, /who 谁在线, /echo <文字> 学你说话";

  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

  private final Clock clock;
  private final PrintStream log;
  private final Map<String, Instant> welcomed = new ConcurrentHashMap<>();
  private final ChatClient client;

  private Bot(ChatClient.Builder builder, Clock clock, PrintStream log) {
    this.clock = clock;
    this.log = log;
    this.client = builder.listener(new Replies()).connectionListener(new Status()).connect();
  }

  /**
   * Connects a bot with {@code builder}'s settings (url, nick, room, backoff...). Times are told
   * in {@code clock}'s zone; what the bot does is logged to {@code log}.
   */
  public static Bot connect(ChatClient.Builder builder, Clock clock, PrintStream log) {
    return new Bot(builder, clock, log);
  }

  /** The bot's client: its nick, rooms and connection state. */
  public ChatClient client() {
    return client;
  }

  /** Leaves the server (close 1000) and stops the client's threads. */
  @Override
  public void close() {
    client.close();
  }

  /** The bot's answer to the chat message {@code text}, or null when it is not a command. */
  String answer(String text) {
    if (!text.startsWith("/")) {
      return null;
    }
    String[] parts = text.strip().split("\\s+", 2);
    String argument = parts.length > 1 ? parts[1] : "";
    return switch (parts[0]) {
      case "/time" -> "现在是 " + TIME.format(clock.instant().atZone(clock.getZone()));
      case "/echo" -> argument.isBlank() ? "用法: /echo <文字>" : argument;
      case "/help" -> HELP;
      default -> "不认识 " + parts[0] + "，试试 /help";
    };
  }

  static String who(List<String> members) {
    return "在线 " + members.size() + " 人: " + String.join(", ", members);
  }

  private void onChat(ChatClient client, ChatMessage message) {
    if (message.from().equals(client.nick())) {
      return; // never answer ourselves: "/echo /echo" would go on forever
    }
    String room = message.room().value();
    String text = message.text().strip();
    if (text.equals("/who") || text.startsWith("/who ")) {
      client.members(room).whenComplete((reply, failure) -> {
        if (failure != null) {
          log.printf("cannot list %s: %s%n", room, failure.getMessage());
        } else {
          say(client, room, who(reply.members()));
        }
      });
      log.printf("%s asked /who in %s%n", message.from(), room);
      return;
    }
    String answer = answer(text);
    if (answer != null) {
      log.printf("%s asked %s in %s%n", message.from(), text.split("\\s+", 2)[0], room);
      say(client, room, answer);
    }
  }

  private void onJoin(ChatClient client, ServerEvent.SystemEvent join) {
    if (join.nick().equals(client.nick())) {
      return; // our own other session
    }
    Instant now = clock.instant();
    String key = join.room().value() + '\n' + join.nick();
    Instant last = welcomed.get(key);
    if (last != null && last.plus(WELCOME_AGAIN_AFTER).isAfter(now)) {
      return;
    }
    welcomed.put(key, now);
    say(client, join.room().value(), "欢迎 " + join.nick() + "!");
  }

  private void say(ChatClient client, String room, String text) {
    client.send(room, text).whenComplete((ack, failure) -> {
      if (failure != null) {
        log.printf("could not say \"%s\" in %s: %s%n", text, room, failure.getMessage());
      }
    });
  }

  /** Events from the server, one at a time, on the client's thread: react, never block. */
  private final class Replies implements ChatListener {
    @Override
    public void onEvent(ChatClient client, ServerEvent event) {
      if (event instanceof ServerEvent.ChatEvent chat) {
        onChat(client, chat.message());
      } else if (event instanceof ServerEvent.SystemEvent system && system.event() == ServerEvent.SystemKind.JOIN) {
        onJoin(client, system);
      } else if (event instanceof ServerEvent.Joined joined) {
        log.printf("in %s with %s%n", joined.room(), joined.members());
      } else if (event instanceof ServerEvent.ErrorEvent error) {
        log.printf("server says %s: %s%n", error.code().wire(), error.message());
      }
    }

    @Override
    public void onMessagesMissed(ChatClient client, RoomName room, long fromSeq, long toSeq) {
      log.printf("missed messages %d..%d of %s while away%n", fromSeq, toSeq, room);
    }
  }

  /** The connection, as the client reports it. */
  private final class Status implements ConnectionListener {
    @Override
    public void onOpen(ChatClient client, ServerEvent.Welcome welcome) {
      log.printf("connected to %s as %s%n", welcome.server(), welcome.nick());
    }

    @Override
    public void onReconnecting(ChatClient client, Duration delay, Throwable cause) {
      log.printf("connection lost (%s); trying again in %d ms%n", cause.getMessage(), delay.toMillis());
    }

    @Override
    public void onClosed(ChatClient client, int code, String reason) {
      log.printf("closed: %d %s%n", code, reason);
    }
  }

  /** The command line. */
  @Command(name = "bot", mixinStandardHelpOptions = true,
      description = "A 轻聊 bot: welcomes joiners and answers /time, /who, /echo <text> and /help.")
  static final class Options implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--url", paramLabel = "URL", defaultValue = "ws://localhost:8000", description = "Server (default: ${DEFAULT-VALUE}).")
    String url;

    @Option(names = "--nick", paramLabel = "NICK", defaultValue = "小助手", description = "The bot's nick (default: ${DEFAULT-VALUE}).")
    String nick;

    @Option(names = "--room", paramLabel = "ROOM", defaultValue = "lobby", split = ",",
        description = "Rooms to sit in, comma-separated or repeated (default: ${DEFAULT-VALUE}).")
    List<String> rooms;

    @Option(names = "--zone", paramLabel = "ZONE", description = "Time zone for /time (default: this machine's).")
    ZoneId zone;

    @Option(names = "--token", paramLabel = "TOKEN", description = "Credential, when the server requires one.")
    String token;

    @Override
    public Integer call() throws InterruptedException {
      ChatClient.Builder builder;
      try {
        builder = ChatClient.builder().url(url).nick(nick).room(rooms.get(0)).token(token);
        rooms.forEach(RoomName::new);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      Bot bot = Bot.connect(builder, zone == null ? Clock.systemDefaultZone() : Clock.system(zone), System.out);
      for (String room : rooms.subList(1, rooms.size())) {
        bot.client().join(room).whenComplete((joined, failure) -> { // queued until the connection is open
          if (failure != null) {
            System.out.printf("cannot join %s: %s%n", room, failure.getMessage());
          }
        });
      }
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        bot.close();
        stopped.countDown();
      }, "bot-shutdown"));
      stopped.await();
      return 0;
    }
  }

  public static void main(String[] args) {
    int exit = new CommandLine(new Options()).execute(args);
    if (exit != 0) {
      System.exit(exit);
    }
  }
}
