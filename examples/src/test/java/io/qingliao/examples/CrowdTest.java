package io.qingliao.examples;

import io.qingliao.server.testing.NoLeakedThreads;
import static org.assertj.core.api.Assertions.assertThat;

import io.qingliao.core.MessageFilter;
import io.qingliao.core.MessageFilter.FilterResult;
import io.qingliao.server.ChatServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

@ExtendWith(NoLeakedThreads.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CrowdTest {
  private final ByteArrayOutputStream output = new ByteArrayOutputStream();
  private final StringWriter errors = new StringWriter();
  private ChatServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aShortRunDeliversEveryMessageToEveryMemberOnce() {
    server = server(MessageFilter.ACCEPT_ALL);

    int exit = crowd(false, "--users", "20", "--rooms", "4", "--duration", "3", "--rate", "20");

    String printed = printed();
    assertThat(exit).as(printed).isZero();
    assertThat(printed).contains("progress: ").doesNotContain("\r");
    assertThat(printed).containsPattern("room +users +sent +acked +failed +delivered +lost +duplicated +p50 ms +p99 ms");
    String[] total = totalRow(printed);
    assertThat(Arrays.copyOfRange(total, 1, 8)) // users sent acked failed delivered lost duplicated
        .containsExactly("20", "60", "60", "0", "300", "0", "0");
    assertThat(Double.parseDouble(total[8])).isPositive(); // p50
    assertThat(Double.parseDouble(total[9])).isGreaterThanOrEqualTo(Double.parseDouble(total[8])); // p99
    assertThat(printed.lines().filter(l -> l.startsWith("crowd-"))).hasSize(4).allMatch(l -> l.contains(" 5 "));
  }

  @Test
  void lostMessagesMakeTheExitCodeNonZero() {
    // The server drops (rejects) every message whose number in its room ends in 3.
    server = server(draft -> draft.text().endsWith("3") ? FilterResult.reject("dropped by the test")
        : FilterResult.accept(draft));

    int exit = crowd(true, "--users", "6", "--rooms", "2", "--duration", "2", "--rate", "10");

    String printed = printed();
    assertThat(exit).as(printed).isEqualTo(1);
    assertThat(printed).contains("\r[");
    String[] total = totalRow(printed);
    // 20 messages, 10 per room numbered 0-9: #3 of each room is refused, so 3 members miss 2 messages each
    assertThat(Arrays.copyOfRange(total, 1, 8)).containsExactly("6", "20", "18", "2", "54", "6", "0");
  }

  @Test
  void badOptionsAreRefusedBeforeConnecting() {
    int exit = crowd(false, "--users", "3", "--rooms", "4");

    assertThat(exit).isEqualTo(2);
    assertThat(errors.toString()).contains("--rooms must be 1-3");
    assertThat(printed()).isEmpty();
  }

  private ChatServer server(MessageFilter filter) {
    return ChatServer.builder().host("127.0.0.1").wsPort(0).httpPort(-1).memoryStore().filter(filter).build().start();
  }

  private int crowd(boolean terminal, String... options) {
    String[] args = new String[options.length + 2];
    args[0] = "--url";
    args[1] = "ws://127.0.0.1:" + (server == null ? 1 : server.wsPort());
    System.arraycopy(options, 0, args, 2, options.length);
    return new CommandLine(new Crowd(new PrintStream(output, true, StandardCharsets.UTF_8), terminal))
        .setErr(new PrintWriter(errors, true))
        .execute(args);
  }

  private String printed() {
    return output.toString(StandardCharsets.UTF_8);
  }

  private static String[] totalRow(String printed) {
    String row = printed.lines().filter(l -> l.startsWith("total ")).findFirst()
        .orElseThrow(() -> new AssertionError("no total row in:\n" + printed));
    return row.trim().split("\\s+");
  }
}
