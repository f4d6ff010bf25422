package io.qingliao.examples;

import io.qingliao.server.testing.NoLeakedThreads;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Runs {@link Server} as the README does, in its own JVM, and stops it as Ctrl-C would. */
@ExtendWith(NoLeakedThreads.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ServerTest {
  private static final Pattern WS_LINE = Pattern.compile("WebSocket listening on ws://[^:]+:(\\d+)");
  private static final Pattern HTTP_LINE = Pattern.compile("HTTP listening on http://[^:]+:(\\d+)");

  @Test
  void startsOnFreePortsAnswersHealthAndStopsCleanlyOnSigterm(@TempDir Path dir) throws Exception {
    Path dataDir = dir.resolve("data");
    Path output = dir.resolve("server.log");
    Process process = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"),
        Server.class.getName(),
        "--host", "127.0.0.1", "--ws-port", "0", "--http-port", "0", "--data-dir", dataDir.toString())
        .redirectErrorStream(true)
        .redirectOutput(output.toFile())
        .start();
    try {
      int wsPort = awaitPort(output, WS_LINE);
      int httpPort = awaitPort(output, HTTP_LINE);
      assertThat(wsPort).isPositive().isNotEqualTo(8000);

      String health = httpGet(httpPort, "/health");
      assertThat(health).startsWith("HTTP/1.1 200").contains("{\"status\":\"ok\"}");

      process.destroy(); // SIGTERM, as Ctrl-C or `docker stop` would send
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("stopped within 30 s").isTrue();
      assertThat(process.exitValue()).as("exit code; output:%n%s", read(output)).isZero();
      assertThat(read(output)).contains("Qingliao stopped");
      assertThat(dataDir.resolve("qingliao.db")).exists(); // the default store is SQLite
    } finally {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static int awaitPort(Path output, Pattern pattern) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      Matcher m = pattern.matcher(read(output));
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the server printed no " + pattern + "; output:\n" + read(output));
  }

  /** A plain HTTP/1.0 GET on a socket: no client library, no keep-alive, no thread left behind. */
  private static String httpGet(int port, String path) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(("GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static String read(Path output) throws IOException {
    return Files.exists(output) ? Files.readString(output, StandardCharsets.UTF_8) : "";
  }
}
