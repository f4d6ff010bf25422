package io.qingliao.examples;

import io.qingliao.server.testing.NoLeakedThreads;
import static org.assertj.core.api.Assertions.assertThat;

import io.qingliao.client.ChatClient;
import io.qingliao.core.RoomName;
import io.qingliao.core.ServerEvent;
import io.qingliao.server.ChatServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Types into the CLI through a pipe, as a user would, and reads what it prints. */
@ExtendWith(NoLeakedThreads.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CliTest {
  private static final Duration WAIT = Duration.ofSeconds(15);

  private final ByteArrayOutputStream output = new ByteArrayOutputStream();
  private final ExecutorService runner = Executors.newSingleThreadExecutor(r -> new Thread(r, "cli-under-test"));
  private ChatServer server;
  private ChatClient bob;
  private PipedOutputStream keyboard;
  private Future<Integer> exit;

  @BeforeEach
  void start() throws IOException {
    server = ChatServer.builder().host("127.0.0.1").wsPort(0).httpPort(-1).memoryStore().build().start();
    server.hub().publish(RoomName.LOBBY, "admin", "欢迎来到轻聊").join();
    keyboard = new PipedOutputStream();
    PipedInputStream in = new PipedInputStream(keyboard);
    Cli cli = new Cli(ChatClient.builder().url("ws://127.0.0.1:" + server.wsPort()).nick("alice"), in,
        new PrintStream(output, true, StandardCharsets.UTF_8));
    exit = runner.submit(cli::run);
  }

  @AfterEach
  void stop() throws Exception {
    keyboard.close(); // end of input: the CLI quits if it has not yet
    runner.shutdown();
    assertThat(runner.awaitTermination(15, TimeUnit.SECONDS)).isTrue();
    if (bob != null) {
      bob.close();
    }
    server.close();
  }

  @Test
  void chatsRunsEveryCommandAndShowsNoticesApartFromChat() throws Exception {
    awaitLine("* connected as alice");
    awaitLine("* joined [lobby], 1 online: alice");
    awaitLine("[lobby] admin: 欢迎来到轻聊"); // the backlog

    bob = ChatClient.builder().url("ws://127.0.0.1:" + server.wsPort()).nick("bob").connect();
    awaitLine("* [lobby] bob joined");

    type("大家好");
    awaitLine("[lobby] alice: 大家好");
    bob.await(ServerEvent.ChatEvent.class,
        e -> e.message().from().equals("alice") && e.message().text().equals("大家好"), WAIT);

    bob.send("hi alice").join();
    awaitLine("[lobby] bob: hi alice");

    type("/who");
    awaitLine("* [lobby] 2 online: alice, bob");

    type("/dm bob 悄悄话 两个字");
    awaitLine("[私聊 → bob] 悄悄话 两个字");
    bob.await(ServerEvent.DirectMessage.class, e -> e.from().equals("alice") && e.text().equals("悄悄话 两个字"), WAIT);
    bob.dm("alice", "收到").join();
    awaitLine("[私聊] bob: 收到");

    type("/nick 小爱");
    awaitLine("* you are now 小爱");
    bob.await(ServerEvent.SystemEvent.class, e -> e.event() == ServerEvent.SystemKind.NICK && e.nick().equals("小爱"), WAIT);
    type("/nick bob");
    awaitLineStartingWith("* error: nick rejected: nick_taken: ");

    type("/history 2");
    awaitLine("* [lobby] last 2 messages:");
    awaitLine("  #2 alice: 大家好");
    awaitLine("  #3 bob: hi alice");

    type("/join room2");
    awaitLine("* joined [room2], 1 online: 小爱");
    type("在二号房");
    awaitLine("[room2] 小爱: 在二号房");
    type("/leave");
    awaitLine("* left [room2]; now in [lobby]");
    type("/leave");
    awaitLine("* left [lobby]; you are in no room now");
    awaitLine("* [lobby] 小爱 left", bob);
    type("还有人吗");
    awaitLineStartingWith("* error: chat rejected: not_member: ");
    type("/frobnicate");
    awaitLine("* unknown command /frobnicate; /help lists them, //frobnicate says it in the room");
    type("/join lobby");
    awaitLine("* joined [lobby], 2 online: bob, 小爱");
    type("//echo 斜杠");
    awaitLine("[lobby] 小爱: /echo 斜杠");

    type("/quit");
    assertThat(exit.get(15, TimeUnit.SECONDS)).isZero();

    for (String line : lines()) { // notices and chat never share a line
      assertThat(line).matches(l -> l.startsWith("* ") || l.startsWith("[") || l.startsWith("  #"), "kind of line");
    }
    assertThat(bob.events().events(ServerEvent.ChatEvent.class)).extracting(e -> e.message().text())
        .containsExactly("大家好", "hi alice", "/echo 斜杠").doesNotContain("在二号房", "还有人吗");
  }

  @Test
  void endOfInputQuits() throws Exception {
    awaitLine("* joined [lobby], 1 online: alice");
    type("bye");
    awaitLine("[lobby] alice: bye");
    keyboard.close();
    assertThat(exit.get(15, TimeUnit.SECONDS)).isZero();
  }

  private void type(String line) throws IOException {
    keyboard.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    keyboard.flush();
  }

  private List<String> lines() {
    return Arrays.asList(output.toString(StandardCharsets.UTF_8).split("\n"));
  }

  private void awaitLine(String expected) {
    Awaitility.await().atMost(WAIT).alias("the CLI printed: " + expected).until(() -> lines().contains(expected));
  }

  /** Waits for a notice that bob's client saw (as a system event) rather than the CLI. */
  private void awaitLine(String expected, ChatClient observer) {
    String text = expected.substring(expected.indexOf("] ") + 2);
    observer.await(ServerEvent.SystemEvent.class, e -> e.text().equals(text), WAIT);
  }

  private void awaitLineStartingWith(String prefix) {
    Awaitility.await().atMost(WAIT).alias("the CLI printed: " + prefix + "...")
        .until(() -> lines().stream().anyMatch(l -> l.startsWith(prefix)));
  }
}
