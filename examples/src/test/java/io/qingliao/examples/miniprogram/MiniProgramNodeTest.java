package io.qingliao.examples.miniprogram;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

import io.qingliao.server.ChatServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the mini-program's Node tests ({@code examples/miniprogram/test}) against a real
 * {@link ChatServer}: the real app.js and page code on a {@code wx} stand-in built on the
 * {@code ws} package. Installs the locked dependencies with {@code npm ci} when
 * node_modules is missing. Without node or npm the test fails when {@code CI} is set and
 * is skipped otherwise.
 */
class MiniProgramNodeTest {

  private static final Duration NPM_TIMEOUT = Duration.ofMinutes(3);
  private static final Duration NODE_TIMEOUT = Duration.ofMinutes(2);

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void nodeTestsPassAgainstTheRealServer(@TempDir Path data) throws Exception {
    requireTool("node");
    requireTool("npm");
    Path project = projectDir();

    try (ChatServer server = ChatServer.builder()
        .host("127.0.0.1")
        .wsPort(0)
        .httpPort(-1)
        .sqliteStore(data)
        .build()
        .start()) {
      if (!Files.isRegularFile(project.resolve("node_modules/ws/package.json"))) {
        Result install = run(project, List.of("npm", "ci", "--no-audit", "--no-fund"), Map.of(), NPM_TIMEOUT);
        assertThat(install.exitCode()).as("npm ci failed:%n%s", install.output()).isZero();
      }
      String url = "ws://127.0.0.1:" + server.wsPort();
      Result tests = run(project, List.of("node", "--test", "--test-reporter=tap", "test/"),
          Map.of("QINGLIAO_WS_URL", url), NODE_TIMEOUT);

      assertThat(tests.exitCode()).as("node --test failed:%n%s", tests.output()).isZero();
      assertThat(tests.output())
          .as("every node test ran (none skipped for want of a server):%n%s", tests.output())
          .contains("# fail 0")
          .contains("# skipped 0")
          .containsPattern("# pass [1-9]\\d*");
    }
  }

  private static Path projectDir() {
    Path base = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
    for (Path candidate : List.of(base.resolve("miniprogram"), base.resolve("examples/miniprogram"))) {
      if (Files.isRegularFile(candidate.resolve("package.json"))) {
        return candidate;
      }
    }
    throw new IllegalStateException("examples/miniprogram not found from " + base);
  }

  /** Fails under CI, skips elsewhere, when {@code tool --version} does not run. */
  private static void requireTool(String tool) {
    String problem;
    try {
      Result version = run(Path.of("."), List.of(tool, "--version"), Map.of(), Duration.ofSeconds(30));
      problem = version.exitCode() == 0 ? null : tool + " --version exited " + version.exitCode();
    } catch (IOException e) {
      problem = e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    if (problem == null) {
      return;
    }
    String message = tool + " not installed (" + problem + "): install Node.js 18+ and npm to run the mini-program tests";
    String ci = System.getenv("CI");
    if (ci != null && !ci.isBlank()) {
      fail(message);
    }
    abort(message);
  }

  private record Result(int exitCode, String output) {}

  private static Result run(Path dir, List<String> command, Map<String, String> env, Duration timeout)
      throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    builder.environment().putAll(env);
    builder.environment().put("NO_COLOR", "1");
    Process process = builder.start();
    process.getOutputStream().close();
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    Thread reader = new Thread(() -> drain(process.getInputStream(), output), "output of " + command.get(0));
    reader.setDaemon(true);
    reader.start();
    boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (!finished) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    reader.join(TimeUnit.SECONDS.toMillis(10));
    String text;
    synchronized (output) {
      text = output.toString(StandardCharsets.UTF_8);
    }
    if (!finished) {
      fail(String.join(" ", command) + " did not finish within " + timeout + ":\n" + text);
    }
    return new Result(process.exitValue(), text);
  }

  private static void drain(InputStream in, ByteArrayOutputStream sink) {
    byte[] buffer = new byte[8192];
    try (in) {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        synchronized (sink) {
          sink.write(buffer, 0, n);
        }
      }
    } catch (IOException e) {
      // the process was killed: what was read so far is reported
    }
  }
}
