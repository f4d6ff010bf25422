package io.qingliao.server;

import io.qingliao.server.internal.cli.EnvironmentDefaults;
import io.qingliao.server.internal.cli.ServerOptions;
import io.qingliao.server.internal.redis.EngineOptions;
import io.qingliao.server.internal.redis.RedisSettings;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * {@code java -jar qingliao-server.jar [options]}: runs a {@link ChatServer} configured from the
 * command line and the {@code QINGLIAO_*} environment (see {@code --help}), prints the bound
 * addresses, and stops gracefully on SIGTERM or Ctrl-C.
 *
 * <p>Exit codes: 0 after a graceful stop or for {@code --help}/{@code --version}; 2 for a bad
 * option value (a one-line message, never a stack trace); 1 when the server cannot start (port
 * in use, data directory not writable) or fails to stop cleanly.
 */
public final class Main {
  /** How long a SIGTERM waits for clients to be closed and the store flushed. */
  static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

  private Main() {}

  /** The outcome of {@link #launch}: an exit code, or a running server (exit code 0). */
  record Launch(int exitCode, ChatServer server) {}

  public static void main(String[] args) {
    CountDownLatch stopped = new CountDownLatch(1);
    Launch launch = launch(args, System.getenv(), System.out, System.err,
        server -> Runtime.getRuntime().addShutdownHook(
            new Thread(() -> stopAndHalt(server, stopped), "qingliao-shutdown")));
    if (launch.server() == null) {
      System.exit(launch.exitCode());
    }
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Parses {@code args} (with {@code env} as the fallback for every option), then either prints
   * help, the version or a usage error, or starts the server and prints its addresses.
   *
   * @param beforeAnnounce called with the started server before its addresses are printed
   *     ({@link #main} installs the shutdown hook there, so a caller that waits for the
   *     addresses can already signal the process)
   */
  static Launch launch(String[] args, Map<String, String> env, PrintStream out, PrintStream err,
      Consumer<ChatServer> beforeAnnounce) {
    ServerOptions options = new ServerOptions();
    EngineOptions engine = new EngineOptions(); // --engine, --redis-* (docs/redis-engine.md)
    CommandLine cmd = new CommandLine(options)
        .addMixin("engine", engine)
        .setDefaultValueProvider(new EnvironmentDefaults(env))
        .setCaseInsensitiveEnumValuesAllowed(true)
        .setOut(new PrintWriter(out, true))
        .setErr(new PrintWriter(err, true));
    ChatServer.Builder builder;
    try {
      cmd.parseArgs(args);
      if (cmd.isUsageHelpRequested()) {
        cmd.usage(cmd.getOut());
        return new Launch(CommandLine.ExitCode.OK, null);
      }
      if (cmd.isVersionHelpRequested()) {
        cmd.printVersionHelp(cmd.getOut());
        return new Launch(CommandLine.ExitCode.OK, null);
      }
      options.validate();
      builder = options.toBuilder();
      RedisSettings redis = engine.redisSettings(cmd);
      if (redis != null) {
        builder.redis(redis);
      }
    } catch (ParameterException e) {
      err.println("qingliao-server: " + e.getMessage());
      err.println("Try 'qingliao-server --help' for the options.");
      return new Launch(CommandLine.ExitCode.USAGE, null);
    }

    ChatServer server;
    try {
      server = builder.build().start();
    } catch (RuntimeException e) {
      err.println("qingliao-server: cannot start: " + describe(e));
      return new Launch(CommandLine.ExitCode.SOFTWARE, null);
    }
    beforeAnnounce.accept(server);
    String host = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
    out.println("Qingliao WebSocket listening on " + (options.tls() ? "wss" : "ws") + "://" + host
        + ":" + server.wsPort());
    if (server.httpPort() >= 0) {
      out.println("Qingliao HTTP listening on " + (options.tls() ? "https" : "http") + "://" + host
          + ":" + server.httpPort());
    }
    out.flush();
    return new Launch(CommandLine.ExitCode.OK, server);
  }

  /**
   * The shutdown hook's work: stop the server, then end the JVM with 0 (or 1 if stopping
   * failed) instead of the 143 a SIGTERM would otherwise leave.
   */
  private static void stopAndHalt(ChatServer server, CountDownLatch stopped) {
    int status = 0;
    try {
      server.stop(STOP_TIMEOUT);
      System.out.println("Qingliao stopped");
    } catch (RuntimeException e) {
      System.err.println("qingliao-server: error while stopping: " + describe(e));
      status = 1;
    }
    System.out.flush();
    System.err.flush();
    stopped.countDown();
    Runtime.getRuntime().halt(status);
  }

  private static String describe(Throwable e) {
    String message = e.getMessage();
    Throwable cause = e.getCause();
    if (cause != null && cause.getMessage() != null && (message == null || !message.contains(cause.getMessage()))) {
      message = (message == null ? "" : message + ": ") + cause.getMessage();
    }
    return message != null ? message : e.getClass().getSimpleName();
  }
}
