package io.qingliao.server.hardening;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code io.qingliao.server.Main} in a child JVM on this test's class path, with stdout and
 * stderr merged and kept. Reads the bound WebSocket and HTTP ports from the lines Main prints.
 * The reader thread ends when the process does; {@link #close} kills it if it is still alive.
 */
final class ChildServer implements AutoCloseable {
  private static final Pattern WS = Pattern.compile("Qingliao WebSocket listening on wss?://[^:]+:(\\d+)");
  private static final Pattern HTTP = Pattern.compile("Qingliao HTTP listening on https?://[^:]+:(\\d+)");

  final Process process;
  private final List<String> output = new ArrayList<>();
  private final Thread reader;
  private int wsPort = -1;
  private int httpPort = -1;

  private ChildServer(Process process) {
    this.process = process;
    this.reader = new Thread(this::read, "child-server-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts Main with {@code args} and waits (up to 60 s) for its WebSocket port line. */
  static ChildServer start(List<String> args) throws IOException, InterruptedException {
    return start(List.of(), args);
  }

  static ChildServer start(List<String> jvmOptions, List<String> args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m"));
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.qingliao.server.Main"));
    command.addAll(args);
    ChildServer child = new ChildServer(new ProcessBuilder(command).redirectErrorStream(true).start());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    synchronized (child.output) {
      while (child.wsPort < 0 && child.process.isAlive() && System.nanoTime() < deadline) {
        child.output.wait(100);
      }
      if (child.wsPort < 0) {
        child.close();
        throw new AssertionError("no port line from the child server; output: " + child.output);
      }
    }
    return child;
  }

  int wsPort() {
    return wsPort;
  }

  int httpPort() {
    synchronized (output) {
      return httpPort;
    }
  }

  /** Everything the child printed so far (stdout and stderr). */
  String output() {
    synchronized (output) {
      return String.join("\n", output);
    }
  }

  /** SIGTERM (a graceful stop), then waits up to 30 s for the exit and the last output. */
  void terminate() throws InterruptedException {
    process.toHandle().destroy();
    process.waitFor(30, TimeUnit.SECONDS);
    reader.join(5_000);
  }

  /** SIGKILL, then waits for the exit and the last output. */
  void kill9() throws InterruptedException {
    process.toHandle().destroyForcibly();
    process.waitFor(20, TimeUnit.SECONDS);
    reader.join(5_000);
  }

  private void read() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        synchronized (output) {
          output.add(line);
          Matcher ws = WS.matcher(line);
          if (ws.find()) {
            wsPort = Integer.parseInt(ws.group(1));
          }
          Matcher http = HTTP.matcher(line);
          if (http.find()) {
            httpPort = Integer.parseInt(http.group(1));
          }
          output.notifyAll();
        }
      }
    } catch (IOException e) {
      // The child is gone.
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill9();
    }
    reader.join(5_000);
  }
}
