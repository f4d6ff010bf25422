package io.qingliao.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.qingliao.server.testing.NoLeakedThreads;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Legacy TLS stays refused even on a JVM whose security properties re-enable TLS 1.0 and 1.1:
 * the server, not the JDK's defaults, is what limits protocols to TLS 1.2 and 1.3. Both JVMs
 * here run with {@code jdk.tls.disabledAlgorithms} emptied; a plain JDK server on that JVM
 * (the control) accepts TLS 1.1, the Qingliao server started by {@link Main} does not.
 */
@Timeout(120)
@ExtendWith(NoLeakedThreads.class)
class SecurityLegacyTlsTest {
  private static final Pattern PORT_LINE = Pattern.compile("(?:Qingliao \\w+|plain TLS) listening on \\w+://127\\.0\\.0\\.1:(\\d+)");

  @TempDir static Path dir;
  static Path keystore;
  static Path legacySecurity;

  @BeforeAll
  static void prepare() throws Exception {
    keystore = SecurityTestSupport.generateKeystore(dir);
    legacySecurity = Files.writeString(dir.resolve("legacy.security"),
        "jdk.tls.disabledAlgorithms=\n");
  }

  @Test
  void controlPlainJdkServerOnTheLegacyJvmAcceptsTls11() throws Exception {
    assertThat(probeChild(PlainTlsServer.class.getName(), 1, keystore.toString())).containsExactly("server_hello 0x0302", "server_hello 0x0303");
  }

  @Test
  void qingliaoOnTheLegacyJvmRefusesTls11OnBothPorts() throws Exception {
    List<String> answers = probeChild(Main.class.getName(), 2, "--host", "127.0.0.1", "--store", "memory",
        "--ws-port", "0", "--http-port", "0", "--tls-keystore", keystore.toString(),
        "--tls-password", SecurityTestSupport.KEYSTORE_PASSWORD);
    assertThat(answers).hasSize(4);
    assertThat(answers.get(0)).as("WebSocket port, TLS 1.1").doesNotStartWith("server_hello");
    assertThat(answers.get(1)).as("WebSocket port, TLS 1.2").isEqualTo("server_hello 0x0303");
    assertThat(answers.get(2)).as("HTTP port, TLS 1.1").doesNotStartWith("server_hello");
    assertThat(answers.get(3)).as("HTTP port, TLS 1.2").isEqualTo("server_hello 0x0303");
  }

  /** Starts the child, probes each port it prints with TLS 1.1 then 1.2, and stops it. */
  private static List<String> probeChild(String mainClass, int portLines, String... args) throws Exception {
    try (SecurityTestSupport.ChildJvm child = new SecurityTestSupport.ChildJvm(
        List.of("-Djava.security.properties=" + legacySecurity), mainClass, List.of(args))) {
      List<String> answers = new ArrayList<>();
      for (int i = 0; i < portLines; i++) {
        int port = Integer.parseInt(child.awaitLine(PORT_LINE, 60).group(1));
        answers.add(SecurityTestSupport.tlsProbe(port, 0x0302));
        answers.add(SecurityTestSupport.tlsProbe(port, 0x0303));
      }
      return answers;
    }
  }

  /** The control: a JDK TLS server with the JVM's default protocols, answering handshakes. */
  static final class PlainTlsServer {
    public static void main(String[] args) throws Exception {
      KeyStore store = KeyStore.getInstance("PKCS12");
      char[] password = SecurityTestSupport.KEYSTORE_PASSWORD.toCharArray();
      try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
        store.load(in, password);
      }
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(store, password);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), null, null);
      try (SSLServerSocket server = (SSLServerSocket) ctx.getServerSocketFactory()
          .createServerSocket(0, 10, InetAddress.getByName("127.0.0.1"))) {
        System.out.println("plain TLS listening on tls://127.0.0.1:" + server.getLocalPort());
        while (true) {
          try (var socket = (javax.net.ssl.SSLSocket) server.accept()) {
            socket.setSoTimeout(5000);
            socket.startHandshake();
          } catch (java.io.IOException e) {
            // The probe hangs up after the ServerHello; keep serving the next one.
          }
        }
      }
    }
  }
}
