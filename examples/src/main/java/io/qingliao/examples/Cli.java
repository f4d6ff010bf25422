package io.qingliao.examples;

import io.qingliao.client.ChatClient;
import io.qingliao.client.ChatDisconnectedException;
import io.qingliao.client.ChatListener;
import io.qingliao.client.ChatRejectedException;
import io.qingliao.client.ConnectionListener;
import io.qingliao.client.ConnectionState;
import io.qingliao.core.ChatMessage;
import io.qingliao.core.Nick;
import io.qingliao.core.RoomName;
import io.qingliao.core.ServerEvent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * An interactive terminal chat on {@link ChatClient}. A line of text is said in the current room
 * (the last one joined); a line starting with {@code /} is a command:
 *
 * <pre>
 * /join ROOM          join a room (or make it current)     /who [ROOM]        who is there
 * /leave [ROOM]       leave the current room (or ROOM)      /history [N]       the last N messages (20)
 * /nick NAME          change nick                           /help              this list
 * /dm NICK TEXT       a direct message                      /quit              leave (also end of input)
 * </pre>
 *
 * <p>A line starting with {@code //} is said with one slash less, so {@code //time} asks a
 * {@link Bot} the time.
 *
 * <p>Chat lines look like {@code [lobby] alice: 你好}, direct messages like
 * {@code [私聊] bob: 在吗}; everything else the client or the server has to say (joins, leaves,
 * nick changes, connection trouble, errors) is a notice, on a line of its own that starts with
 * {@code *}, so it never reads as chat. Each command waits for the server's answer before the
 * next line is read, which keeps piped scripts deterministic:
 *
 * <pre>
 * printf '/nick 小明\n大家好\n/who\n/quit\n' | java -cp examples/target/qingliao-examples.jar io.qingliao.examples.Cli
 * </pre>
 */
public final class Cli implements AutoCloseable {
  /** How many backlog messages a join shows. */
  static final int BACKLOG = 10;
  static final String HELP = "* commands: /join ROOM, /leave [ROOM], /nick NAME, /dm NICK TEXT, /who [ROOM], "
      + "/history [N], /help, /quit; any other line is said in the current room (//x says /x)";

  private final BufferedReader in;
  private final PrintStream out;
  private final Set<RoomName> shown = ConcurrentHashMap.newKeySet();
  private final ChatClient client;
  private volatile int refusedWith;

  /** Connects with {@code builder}'s settings, reads commands from {@code in} and writes to {@code out}. */
  public Cli(ChatClient.Builder builder, InputStream in, PrintStream out) {
    this.in = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    this.out = out;
    this.client = builder.listener(new Printer()).connectionListener(new Status()).connect();
  }

  /**
   * Runs until {@code /quit} or the end of the input, then closes the client. Returns the exit
   * code: 0, or 1 when the server refused the client (a bad token).
   */
  public int run() throws IOException {
    try {
      for (String line; (line = in.readLine()) != null; ) {
        if (client.state() == ConnectionState.CLOSED || !handle(line.strip())) {
          break;
        }
      }
    } finally {
      close();
    }
    return refusedWith == 0 ? 0 : 1;
  }

  @Override
  public void close() {
    client.close();
  }

  /** Carries out one line; false for {@code /quit}. */
  boolean handle(String line) {
    if (line.isEmpty()) {
      return true;
    }
    if (!line.startsWith("/") || line.startsWith("//")) {
      // "//time" says "/time" (a command for a bot); our own line comes back as a chat event
      await(client.send(line.startsWith("//") ? line.substring(1) : line));
      return true;
    }
    String[] words = line.split("\\s+", 3);
    String command = words[0];
    String first = words.length > 1 ? words[1] : null;
    String rest = words.length > 2 ? words[2] : null;
    switch (command) {
      case "/quit", "/exit" -> {
        return false;
      }
      case "/help" -> out.println(HELP);
      case "/join" -> {
        if (first == null || !RoomName.isValid(first)) {
          notice("usage: /join ROOM (letters, digits, _ - . up to 64)");
        } else {
          await(client.join(first)); // the listener prints the room
        }
      }
      case "/leave" -> {
        String room = first != null ? first : currentRoom();
        if (room != null && !RoomName.isValid(room)) {
          notice("usage: /leave [ROOM]");
        } else if (room != null) {
          ServerEvent.Left left = await(client.leave(room));
          if (left != null) {
            shown.remove(left.room());
            String now = currentRoom();
            notice("left [" + left.room() + "]" + (now == null ? "; you are in no room now" : "; now in [" + now + "]"));
          }
        }
      }
      case "/nick" -> {
        if (first == null || !Nick.isValid(first)) {
          notice("usage: /nick NAME (1-32 characters, no control characters)");
        } else {
          ServerEvent.NickChanged changed = await(client.nick(first));
          if (changed != null) {
            notice("you are now " + changed.nick());
          }
        }
      }
      case "/dm" -> {
        if (first == null || rest == null || !Nick.isValid(first)) {
          notice("usage: /dm NICK TEXT");
        } else if (await(client.dm(first, rest)) != null) {
          out.println("[私聊 → " + first + "] " + rest);
        }
      }
      case "/who" -> {
        String room = first != null ? first : currentRoom();
        if (room != null && !RoomName.isValid(room)) {
          notice("usage: /who [ROOM]");
        } else if (room != null) {
          ServerEvent.MembersList members = await(client.members(room));
          if (members != null) {
            notice("[" + members.room() + "] " + members.members().size() + " online: "
                + String.join(", ", members.members()));
          }
        }
      }
      case "/history" -> history(first);
      default -> notice("unknown command " + command + "; /help lists them, /" + command + " says it in the room");
    }
    return true;
  }

  private void history(String count) {
    String room = currentRoom();
    int limit;
    try {
      limit = count == null ? 20 : Integer.parseInt(count);
    } catch (NumberFormatException e) {
      limit = -1;
    }
    if (limit < 1 || limit > 100) {
      notice("usage: /history [N], N from 1 to 100");
      return;
    }
    if (room == null) {
      return;
    }
    ServerEvent.HistoryPage page = await(client.history(room, Long.MAX_VALUE, limit));
    if (page != null) {
      notice("[" + page.room() + "] last " + page.messages().size() + " messages:");
      for (ChatMessage m : page.messages()) {
        out.println("  #" + m.seq() + " " + m.from() + ": " + m.text());
      }
    }
  }

  /** The current room, or null after a notice saying there is none. */
  private String currentRoom() {
    List<RoomName> rooms = client.rooms();
    if (rooms.isEmpty()) {
      notice("you are in no room; /join ROOM first");
      return null;
    }
    return rooms.get(rooms.size() - 1).value();
  }

  /** Waits for a request's reply; on failure prints why and returns null. */
  private <T> T await(CompletableFuture<T> reply) {
    try {
      return reply.get(); // the client fails every request after its timeout, so this ends
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof ChatRejectedException rejected) {
        notice("error: " + rejected.getMessage());
      } else if (cause instanceof ChatDisconnectedException || cause instanceof TimeoutException) {
        notice("not sent: " + cause.getMessage());
      } else {
        notice("failed: " + cause);
      }
      return null;
    }
  }

  private void notice(String text) {
    out.println("* " + text);
  }

  private void chat(ChatMessage m) {
    out.println("[" + m.room() + "] " + m.from() + ": " + m.text());
  }

  /** What the server sends, as it comes (on the client's thread). */
  private final class Printer implements ChatListener {
    @Override
    public void onEvent(ChatClient client, ServerEvent event) {
      if (event instanceof ServerEvent.ChatEvent e) {
        chat(e.message());
      } else if (event instanceof ServerEvent.DirectMessage e) {
        out.println("[私聊] " + e.from() + ": " + e.text());
      } else if (event instanceof ServerEvent.SystemEvent e) {
        notice("[" + e.room() + "] " + e.text());
      } else if (event instanceof ServerEvent.Joined e) {
        if (!shown.add(e.room())) {
          notice("back in [" + e.room() + "]");
          return;
        }
        notice("joined [" + e.room() + "], " + e.members().size() + " online: " + String.join(", ", e.members()));
        List<ChatMessage> backlog = e.history();
        backlog.subList(Math.max(0, backlog.size() - BACKLOG), backlog.size()).forEach(Cli.this::chat);
      } else if (event instanceof ServerEvent.ErrorEvent e && e.cid() == null) {
        notice("error: " + e.code().wire() + ": " + e.message()); // not a reply: await() shows those
      }
    }

    @Override
    public void onMessagesMissed(ChatClient client, RoomName room, long fromSeq, long toSeq) {
      notice("[" + room + "] " + (toSeq - fromSeq + 1) + " messages missed while away; /history shows them");
    }
  }

  private final class Status implements ConnectionListener {
    @Override
    public void onOpen(ChatClient client, ServerEvent.Welcome welcome) {
      notice("connected as " + welcome.nick());
    }

    @Override
    public void onReconnecting(ChatClient client, Duration delay, Throwable cause) {
      notice("connection lost (" + cause.getMessage() + "); trying again in " + delay.toMillis() + " ms");
    }

    @Override
    public void onClosed(ChatClient client, int code, String reason) {
      if (code != 1000) {
        refusedWith = code;
        notice("the server refused us: " + code + " " + reason);
      }
    }
  }

  /** The command line. */
  @Command(name = "cli", mixinStandardHelpOptions = true,
      description = "An interactive 轻聊 chat in the terminal. Type /help once connected.")
  static final class Options implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--url", paramLabel = "URL", defaultValue = "ws://localhost:8000", description = "Server (default: ${DEFAULT-VALUE}).")
    String url;

    @Option(names = "--nick", paramLabel = "NICK", description = "Nick to ask for (default: a guest-N from the server).")
    String nick;

    @Option(names = "--room", paramLabel = "ROOM", defaultValue = "lobby", description = "Room to join first (default: ${DEFAULT-VALUE}).")
    String room;

    @Option(names = "--token", paramLabel = "TOKEN", description = "Credential, when the server requires one.")
    String token;

    @Override
    public Integer call() throws IOException {
      ChatClient.Builder builder;
      try {
        builder = ChatClient.builder().url(url).nick(nick).room(room).token(token);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
      return new Cli(builder, System.in, out).run();
    }
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new Options()).execute(args));
  }
}
