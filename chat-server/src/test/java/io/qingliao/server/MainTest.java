package io.qingliao.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.qingliao.core.ChatMessage;
import io.qingliao.core.RoomName;
import io.qingliao.server.internal.cli.EnvironmentDefaults;
import io.qingliao.server.internal.cli.ServerOptions;
import io.qingliao.server.testing.NoLeakedThreads;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

@Timeout(60)
@ExtendWith(NoLeakedThreads.class)
class MainTest {
  private static final Pattern WS_LINE = Pattern.compile("Qingliao WebSocket listening on ws://127\\.0\\.0\\.1:(\\d+)");
  private static final Pattern HTTP_LINE = Pattern.compile("Qingliao HTTP listening on http://127\\.0\\.0\\.1:(\\d+)");

  private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
  private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
  private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

  private Main.Launch launch(Map<String, String> env, String... args) {
    return Main.launch(args, env, out, err, server -> {});
  }

  private String out() {
    return outBytes.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return errBytes.toString(StandardCharsets.UTF_8);
  }

  /** Parses without starting anything, to look at the resulting options. */
  private static ServerOptions parse(Map<String, String> env, String... args) {
    ServerOptions options = new ServerOptions();
    new CommandLine(options).setDefaultValueProvider(new EnvironmentDefaults(env))
        .setCaseInsensitiveEnumValuesAllowed(true).parseArgs(args);
    options.validate();
    return options;
  }

  @Test
  void helpDescribesQingliaoAndListsEveryOptionWithDefaultAndVariable() {
    Main.Launch launch = launch(Map.of(), "--help");

    assertThat(launch.exitCode()).isZero();
    assertThat(launch.server()).isNull();
    String help = out();
    assertThat(help).contains("Usage: qingliao-server")
        .contains("Qingliao: real-time chat server for WeChat mini-programs");
    List<OptionSpec> options = new CommandLine(new ServerOptions()).getCommandSpec().options();
    assertThat(options).hasSizeGreaterThanOrEqualTo(16);
    for (OptionSpec option : options) {
      assertThat(help).contains(option.longestName());
      if (!option.usageHelp() && !option.versionHelp()) {
        assertThat(help).as("help names the variable of %s", option.longestName())
            .contains(EnvironmentDefaults.variableFor(option.longestName()));
      }
    }
    assertThat(help).contains("QINGLIAO_WS_PORT", "QINGLIAO_TLS_PASSWORD", "QINGLIAO_ORIGINS")
        .contains("default: 0.0.0.0", "default: 8000", "default: 3000", "default: sqlite",
            "default: ./data", "default: 10000", "default: 60", "default: 20", "default: 65536")
        .contains("sqlite, memory");
    assertThat(err()).isEmpty();
  }

  @Test
  void helpNeverShowsSecretsFromTheEnvironment() {
    Map<String, String> env = Map.of(
        "QINGLIAO_TLS_PASSWORD", "pw-7f3a9", "QINGLIAO_JWT_SECRET", "jwt-c41e2",
        "QINGLIAO_ADMIN_TOKEN", "adm-88d1b", "QINGLIAO_WS_PORT", "8123");

    assertThat(launch(env, "--help").exitCode()).isZero();

    assertThat(out()).contains("default: 8123").doesNotContain("pw-7f3a9", "jwt-c41e2", "adm-88d1b");
  }

  @Test
  void versionNamesServerProtocolAndJava() {
    assertThat(launch(Map.of(), "--version").exitCode()).isZero();

    assertThat(out()).startsWith("Qingliao server ").contains("wire protocol 1")
        .contains("Java " + System.getProperty("java.version"));
  }

  @Test
  void environmentSuppliesDefaultsAndTheCommandLineWins() {
    Map<String, String> env = Map.of("QINGLIAO_STORE", "memory", "QINGLIAO_DATA_DIR", "/srv/${chat}",
        "QINGLIAO_ORIGINS", " https://a.example , http://b.example:8080,", "QINGLIAO_HOST", "127.0.0.1");

    ServerOptions fromEnv = parse(env);
    assertThat(fromEnv.store()).isEqualTo(ServerOptions.StoreKind.memory);
    assertThat(fromEnv.dataDir()).isEqualTo(Path.of("/srv/${chat}"));
    assertThat(fromEnv.originList()).containsExactly("https://a.example", "http://b.example:8080");
    assertThat(fromEnv.host()).isEqualTo("127.0.0.1");

    ServerOptions overridden = parse(env, "--store", "SQLITE", "--host", "::1");
    assertThat(overridden.store()).isEqualTo(ServerOptions.StoreKind.sqlite);
    assertThat(overridden.host()).isEqualTo("::1");

    ServerOptions defaults = parse(Map.of("UNRELATED", "x", "QINGLIAO_STORE", ""));
    assertThat(defaults.store()).isEqualTo(ServerOptions.StoreKind.sqlite);
    assertThat(defaults.dataDir()).isEqualTo(Path.of("./data"));
    assertThat(defaults.originList()).isEmpty();
    assertThat(defaults.tls()).isFalse();
  }

  @Test
  void invalidPortIsAUsageErrorWithoutStackTrace() {
    assertUsageError(Map.of(), "'--ws-port': 70000 is not in 0..65535", "--ws-port", "70000");
    assertUsageError(Map.of(), "--http-port", "--http-port", "-5");
    assertUsageError(Map.of(), "'--ws-port': 'abc' is not an int", "--ws-port", "abc");
    assertUsageError(Map.of("QINGLIAO_WS_PORT", "eighty"), "'eighty' is not an int");
  }

  @Test
  void otherBadValuesAreUsageErrors() {
    assertUsageError(Map.of(), "sqlite, memory", "--store", "redis");
    assertUsageError(Map.of(), "Unknown option", "--no-such-option");
    assertUsageError(Map.of(), "--rate-limit", "--rate-limit", "0");
    assertUsageError(Map.of(), "--max-connections", "--max-connections", "0");
    assertUsageError(Map.of(), "--idle-timeout", "--idle-timeout", "-1");
    assertUsageError(Map.of(), "--max-frame-bytes", "--max-frame-bytes", "0");
    assertUsageError(Map.of(), "not an origin", "--origins", "https://ok.example,example.com/path");
    assertUsageError(Map.of(), "must differ", "--ws-port", "9000", "--http-port", "9000");
    assertUsageError(Map.of(), "cannot read", "--tls-keystore", "/no/such/keystore.p12");
    assertUsageError(Map.of(), "--tls-keystore is not", "--tls-password", "x");
  }

  @Test
  void unreadableKeystoreIsAUsageErrorThatHidesThePassword(@TempDir Path dir) throws Exception {
    Path keystore = SecurityTestSupport.generateKeystore(dir);

    assertUsageError(Map.of(), "needs a password", "--tls-keystore", keystore.toString());
    assertUsageError(Map.of("QINGLIAO_TLS_PASSWORD", "wrong-pw-5521"), "wrong password",
        "--tls-keystore", keystore.toString(), "--ws-port", "0", "--http-port", "0", "--store", "memory");
    assertThat(err()).doesNotContain("wrong-pw-5521");
  }

  private void assertUsageError(Map<String, String> env, String expectedMessage, String... args) {
    outBytes.reset();
    errBytes.reset();
    Main.Launch launch = launch(env, args);
    assertThat(launch.exitCode()).as("exit code for %s", List.of(args)).isEqualTo(2);
    assertThat(launch.server()).isNull();
    assertThat(err()).contains(expectedMessage)
        .contains("--help")
        .doesNotContain("Exception", "\tat ");
    assertThat(out()).isEmpty();
  }

  @Test
  void startsOnFreePortsPrintsBoundAddressesAndServesHealth() throws Exception {
    Main.Launch launch = launch(Map.of("QINGLIAO_STORE", "memory"),
        "--host", "127.0.0.1", "--ws-port", "0", "--http-port", "0");
    ChatServer server = launch.server();
    try {
      assertThat(launch.exitCode()).isZero();
      assertThat(server).isNotNull();
      assertThat(out()).isEqualTo(
          "Qingliao WebSocket listening on ws://127.0.0.1:" + server.wsPort() + System.lineSeparator()
          + "Qingliao HTTP listening on http://127.0.0.1:" + server.httpPort() + System.lineSeparator());
      assertThat(server.wsPort()).isPositive();
      assertThat(server.httpPort()).isPositive().isNotEqualTo(server.wsPort());

      SecurityTestSupport.HttpAnswer health = SecurityTestSupport.http("GET",
          "http://127.0.0.1:" + server.httpPort() + "/health", Map.of(), null, null);
      assertThat(health.status()).isEqualTo(200);
      assertThat(health.body()).contains("\"status\":\"ok\"");
    } finally {
      if (server != null) {
        server.stop(Duration.ofSeconds(5));
      }
    }
  }

  @Test
  void portInUseExitsWithOneAndAMessage() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      Main.Launch launch = launch(Map.of(), "--host", "127.0.0.1", "--store", "memory",
          "--ws-port", String.valueOf(taken.getLocalPort()), "--http-port", "0");
      if (launch.server() != null) {
        launch.server().stop(Duration.ofSeconds(5));
      }
      assertThat(launch.exitCode()).isEqualTo(1);
      assertThat(err()).startsWith("qingliao-server: cannot start").doesNotContain("\tat ");
    }
  }

  @Test
  @Timeout(120)
  void sigtermClosesClientsWith1001FlushesAndExitsZero(@TempDir Path dataDir) throws Exception {
    SecurityTestSupport.RecordingClient client = null;
    try (SecurityTestSupport.ChildJvm child = new SecurityTestSupport.ChildJvm(List.of(),
        Main.class.getName(), List.of("--host", "127.0.0.1", "--store", "sqlite",
            "--data-dir", dataDir.toString(), "--ws-port", "0", "--http-port", "0"))) {
      int wsPort = Integer.parseInt(child.awaitLine(WS_LINE, 60).group(1));
      int httpPort = Integer.parseInt(child.awaitLine(HTTP_LINE, 10).group(1));
      assertThat(httpPort).isPositive().isNotEqualTo(wsPort);

      client = new SecurityTestSupport.RecordingClient(
          URI.create("ws://127.0.0.1:" + wsPort + "/?nick=watcher"), Map.of());
      assertThat(client.connectBlocking(10, TimeUnit.SECONDS)).isTrue();
      client.awaitType("welcome");
      client.send("{\"type\":\"chat\",\"text\":\"kept\",\"cid\":\"c1\"}");
      client.awaitType("ack");

      // SIGTERM. Through the handle, because Process.destroy() also closes our end of the
      // child's stdout, and we want to read what it prints while stopping.
      assertThat(child.process.toHandle().destroy()).isTrue();

      assertThat(client.awaitClose()).isEqualTo(1001);
      assertThat(child.awaitExit(30)).as("exit code; output: %s", child.output()).isZero();
      assertThat(child.output()).contains("Qingliao stopped");
      try (SqliteMessageStore store = SqliteMessageStore.open(dataDir)) {
        assertThat(store.readBefore(new RoomName("lobby"), Long.MAX_VALUE, 10))
            .extracting(ChatMessage::text).containsExactly("kept");
      }
    } finally {
      if (client != null) {
        client.shutdown();
      }
    }
  }
}
