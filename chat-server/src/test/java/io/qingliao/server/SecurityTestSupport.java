package io.qingliao.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.handshake.ServerHandshake;

/** Shared helpers of the security and TLS tests: keystores, a recording client, raw probes. */
final class SecurityTestSupport {
  static final String KEYSTORE_PASSWORD = "qingliao-test-pw";

  private SecurityTestSupport() {}

  /** Makes a PKCS#12 keystore with a self-signed EC key for localhost/127.0.0.1 using keytool. */
  static Path generateKeystore(Path dir) throws IOException, InterruptedException {
    Path keystore = dir.resolve("server.p12");
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-storetype", "PKCS12",
        "-keystore", keystore.toString(), "-storepass", KEYSTORE_PASSWORD, "-keypass", KEYSTORE_PASSWORD,
        "-alias", "qingliao", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
        "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-noprompt")
        .redirectErrorStream(true)
        .start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("keytool finished").isTrue();
    assertThat(p.exitValue()).as("keytool: %s", output).isZero();
    assertThat(keystore).exists();
    return keystore;
  }

  /** A client context that trusts only the certificate in {@code keystore}. */
  static SSLContext trusting(Path keystore) throws Exception {
    KeyStore source = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      source.load(in, KEYSTORE_PASSWORD.toCharArray());
    }
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("server", source.getCertificate("qingliao"));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  /** Status code and body of one HTTP(S) request; closes the connection afterwards. */
  record HttpAnswer(int status, String body) {}

  /**
   * One HTTP/1.1 request over a fresh socket (TLS when {@code tlsOrNull} is given) with
   * {@code Connection: close}, so no client-side connection cache or timer thread outlives it.
   */
  static HttpAnswer http(String method, String url, Map<String, String> headers, String body,
      SSLContext tlsOrNull) throws IOException {
    URI uri = URI.create(url);
    byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    StringBuilder request = new StringBuilder()
        .append(method).append(' ').append(uri.getRawPath())
        .append(uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()).append(" HTTP/1.1\r\n")
        .append("Host: ").append(uri.getHost()).append(':').append(uri.getPort()).append("\r\n")
        .append("Connection: close\r\n");
    headers.forEach((k, v) -> request.append(k).append(": ").append(v).append("\r\n"));
    if (body != null) {
      request.append("Content-Type: application/json; charset=utf-8\r\n")
          .append("Content-Length: ").append(payload.length).append("\r\n");
    }
    request.append("\r\n");
    try (Socket socket = tlsOrNull == null ? new Socket(uri.getHost(), uri.getPort())
        : tlsOrNull.getSocketFactory().createSocket(uri.getHost(), uri.getPort())) {
      socket.setSoTimeout(5000);
      if (socket instanceof javax.net.ssl.SSLSocket ssl) {
        javax.net.ssl.SSLParameters params = ssl.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS"); // check the name, as browsers do
        ssl.setSSLParameters(params);
      }
      OutputStream out = socket.getOutputStream();
      out.write(request.toString().getBytes(StandardCharsets.UTF_8));
      out.write(payload);
      out.flush();
      String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      int headerEnd = response.indexOf("\r\n\r\n");
      assertThat(headerEnd).as("complete HTTP response: %s", response).isPositive();
      String head = response.substring(0, headerEnd);
      int status = Integer.parseInt(head.split(" ", 3)[1]);
      String rest = response.substring(headerEnd + 4);
      if (head.toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked")) {
        rest = dechunk(rest);
      }
      return new HttpAnswer(status,
          new String(rest.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8));
    }
  }

  private static String dechunk(String chunked) {
    StringBuilder body = new StringBuilder();
    int at = 0;
    while (true) {
      int lineEnd = chunked.indexOf("\r\n", at);
      int size = Integer.parseInt(chunked.substring(at, lineEnd).split(";")[0].trim(), 16);
      if (size == 0) {
        return body.toString();
      }
      body.append(chunked, lineEnd + 2, lineEnd + 2 + size);
      at = lineEnd + 2 + size + 2;
    }
  }

  /**
   * Sends a WebSocket upgrade request over a plain socket and returns the response's status
   * line (e.g. {@code HTTP/1.1 101 Switching Protocols}).
   */
  static String upgradeStatusLine(int port, String pathAndQuery, Map<String, String> headers)
      throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(5000);
      StringBuilder request = new StringBuilder()
          .append("GET ").append(pathAndQuery).append(" HTTP/1.1\r\n")
          .append("Host: 127.0.0.1:").append(port).append("\r\n")
          .append("Upgrade: websocket\r\nConnection: Upgrade\r\n")
          .append("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n");
      headers.forEach((k, v) -> request.append(k).append(": ").append(v).append("\r\n"));
      request.append("\r\n");
      socket.getOutputStream().write(request.toString().getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      for (int b = in.read(); b != -1 && b != '\n'; b = in.read()) {
        line.write(b);
      }
      return line.toString(StandardCharsets.US_ASCII).trim();
    }
  }

  /**
   * Sends a hand-made TLS ClientHello offering {@code clientVersion} (0x0302 = TLS 1.1,
   * 0x0303 = TLS 1.2; no supported_versions extension, so no TLS 1.3) and describes the first
   * record the server answers with: {@code server_hello 0x0303}, {@code alert 70}, or
   * {@code closed}. Built by hand so that the client JVM's own protocol limits play no part.
   */
  static String tlsProbe(int port, int clientVersion) throws IOException {
    ByteArrayOutputStream hello = new ByteArrayOutputStream();
    writeShort(hello, clientVersion);
    hello.write(new byte[32], 0, 32); // client random
    hello.write(0); // no session id
    int[] suites = {0xc02b, 0xc02f, 0xc009, 0xc013, 0xc00a, 0xc014, 0x002f, 0x0035};
    writeShort(hello, suites.length * 2);
    for (int suite : suites) {
      writeShort(hello, suite);
    }
    hello.write(1);
    hello.write(0); // null compression
    ByteArrayOutputStream ext = new ByteArrayOutputStream();
    writeExtension(ext, 0x000a, new int[] {6, 0x0017, 0x0018, 0x001d}); // supported_groups
    writeShort(ext, 0x000b);
    writeShort(ext, 2);
    ext.write(1);
    ext.write(0); // ec_point_formats: uncompressed
    writeExtension(ext, 0x000d, new int[] {8, 0x0403, 0x0804, 0x0401, 0x0201}); // signature_algorithms
    writeShort(hello, ext.size());
    ext.writeTo(hello);

    ByteArrayOutputStream record = new ByteArrayOutputStream();
    record.write(0x16);
    writeShort(record, 0x0301);
    writeShort(record, hello.size() + 4);
    record.write(0x01); // client_hello
    record.write(0);
    writeShort(record, hello.size());
    hello.writeTo(record);

    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(5000);
      socket.getOutputStream().write(record.toByteArray());
      socket.getOutputStream().flush();
      InputStream in = socket.getInputStream();
      byte[] header = in.readNBytes(5);
      if (header.length < 5) {
        return "closed";
      }
      int length = ((header[3] & 0xff) << 8) | (header[4] & 0xff);
      byte[] fragment = in.readNBytes(length);
      if (header[0] == 0x15 && fragment.length == 2) {
        return "alert " + (fragment[1] & 0xff);
      }
      if (header[0] == 0x16 && fragment.length >= 6 && fragment[0] == 0x02) {
        return String.format("server_hello 0x%02x%02x", fragment[4], fragment[5]);
      }
      return String.format("record type %d: %s", header[0] & 0xff, java.util.HexFormat.of().formatHex(header));
    } catch (java.net.SocketException e) {
      return "closed";
    }
  }

  private static void writeExtension(ByteArrayOutputStream out, int type, int[] listLengthThenItems) {
    writeShort(out, type);
    writeShort(out, listLengthThenItems.length * 2);
    for (int v : listLengthThenItems) {
      writeShort(out, v);
    }
  }

  private static void writeShort(ByteArrayOutputStream out, int value) {
    out.write((value >> 8) & 0xff);
    out.write(value & 0xff);
  }

  /**
   * A child JVM whose merged stdout and stderr is read by a daemon thread (which ends when the
   * process does), so the test thread waits on lines with a deadline instead of a blocking read.
   */
  static final class ChildJvm implements AutoCloseable {
    final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> seen = new ArrayList<>();
    private final Thread reader;

    ChildJvm(List<String> jvmOptions, String mainClass, List<String> args) throws IOException {
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(jvmOptions);
      command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
      command.addAll(args);
      process = new ProcessBuilder(command).redirectErrorStream(true).start();
      reader = new Thread(() -> {
        try (var in = new java.io.BufferedReader(
            new java.io.InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line = in.readLine(); line != null; line = in.readLine()) {
            lines.add(line);
          }
        } catch (IOException e) {
          // The process went away; nothing more to read.
        }
      }, "child-jvm-reader");
      reader.setDaemon(true);
      reader.start();
    }

    /** Waits for a line that {@code pattern} matches entirely; fails after {@code seconds}. */
    java.util.regex.Matcher awaitLine(java.util.regex.Pattern pattern, int seconds) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (System.nanoTime() < deadline) {
        String line = lines.poll(100, TimeUnit.MILLISECONDS);
        if (line != null) {
          seen.add(line);
          java.util.regex.Matcher m = pattern.matcher(line);
          if (m.matches()) {
            return m;
          }
        } else if (!reader.isAlive()) {
          break; // the process ended and everything it printed has been seen
        }
      }
      throw new AssertionError("no line matching " + pattern + " within " + seconds + " s; output: " + seen);
    }

    /** Waits for the exit and returns the exit code, with everything printed since. */
    int awaitExit(int seconds) throws InterruptedException {
      assertThat(process.waitFor(seconds, TimeUnit.SECONDS)).as("exited within %d s", seconds).isTrue();
      reader.join(TimeUnit.SECONDS.toMillis(5));
      lines.drainTo(seen);
      return process.exitValue();
    }

    List<String> output() {
      lines.drainTo(seen);
      return List.copyOf(seen);
    }

    @Override
    public void close() {
      try {
        if (process.isAlive()) {
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        reader.join(TimeUnit.SECONDS.toMillis(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** A WebSocket client that records what happens, for assertions from the test thread. */
  static final class RecordingClient extends WebSocketClient {
    final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
    final BlockingQueue<Integer> closeCodes = new LinkedBlockingQueue<>();
    final BlockingQueue<Exception> errors = new LinkedBlockingQueue<>();
    private final java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);

    RecordingClient(URI uri, Map<String, String> headers) {
      super(uri, headers);
      setConnectionLostTimeout(0);
    }

    @Override
    public void onOpen(ServerHandshake handshake) {}

    @Override
    public void onMessage(String message) {
      messages.add(message);
    }

    @Override
    public void onMessage(ByteBuffer bytes) {
      messages.add("<binary " + bytes.remaining() + " bytes>");
    }

    @Override
    public void onClose(int code, String reason, boolean remote) {
      closeCodes.add(code);
      closed.countDown();
    }

    @Override
    public void onError(Exception ex) {
      errors.add(ex);
    }

    /** Waits for the next text message whose JSON type is {@code type}; skips others. */
    String awaitType(String type) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      List<String> skipped = new ArrayList<>();
      while (System.nanoTime() < deadline) {
        String m = messages.poll(100, TimeUnit.MILLISECONDS);
        if (m != null && m.contains("\"type\":\"" + type + "\"")) {
          return m;
        }
        if (m != null) {
          skipped.add(m);
        }
        assertThat(closeCodes).as("closed while waiting for %s after %s", type, skipped).isEmpty();
      }
      throw new AssertionError("no " + type + " within 10 s; got " + skipped);
    }

    /** Waits for the close and returns its code. */
    int awaitClose() throws InterruptedException {
      Integer code = closeCodes.poll(10, TimeUnit.SECONDS);
      assertThat(code).as("close within 10 s").isNotNull();
      return code;
    }

    /**
     * Closes (if still open) and waits a bounded time for the close to finish; a peer that does
     * not answer gets its TCP connection dropped. ({@code closeBlocking()} can wait forever for a
     * client whose handshake never completed.)
     */
    void shutdown() throws InterruptedException {
      close();
      if (!closed.await(5, TimeUnit.SECONDS)) {
        closeConnection(1006, "test shutdown");
        closed.await(5, TimeUnit.SECONDS);
      }
    }
  }
}
