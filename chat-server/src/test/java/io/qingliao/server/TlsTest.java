package io.qingliao.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.qingliao.server.testing.NoLeakedThreads;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLServerSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
@ExtendWith(NoLeakedThreads.class)
class TlsTest {
  @TempDir static Path dir;
  static Path keystore;

  @BeforeAll
  static void makeKeystore() throws Exception {
    keystore = SecurityTestSupport.generateKeystore(dir);
  }

  private static SSLContext context() {
    return Tls.fromPkcs12(keystore, SecurityTestSupport.KEYSTORE_PASSWORD.toCharArray());
  }

  @Test
  void enginesEnableOnlyTls12And13() {
    SSLEngine engine = context().createSSLEngine();
    assertThat(engine.getEnabledProtocols()).isNotEmpty().isSubsetOf(Tls.PROTOCOLS).contains("TLSv1.2");
    assertThat(context().createSSLEngine("localhost", 443).getEnabledProtocols()).isSubsetOf(Tls.PROTOCOLS);
  }

  @Test
  void defaultAndSupportedParametersOfferOnlyTls12And13() {
    SSLContext ctx = context();
    assertThat(ctx.getDefaultSSLParameters().getProtocols()).isNotEmpty().isSubsetOf(Tls.PROTOCOLS);
    assertThat(ctx.getSupportedSSLParameters().getProtocols()).isNotEmpty().isSubsetOf(Tls.PROTOCOLS);
    assertThat(Tls.modernParameters(ctx).getProtocols()).isSubsetOf(Tls.PROTOCOLS);
  }

  @Test
  void serverSocketsEnableOnlyTls12And13() throws Exception {
    try (SSLServerSocket socket = (SSLServerSocket) context().getServerSocketFactory()
        .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      assertThat(socket.getEnabledProtocols()).isNotEmpty().isSubsetOf(Tls.PROTOCOLS);
    }
  }

  @Test
  void modernDropsLegacyProtocolsAndKeepsOrder() {
    String[] all = {"TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1", "SSLv3", "SSLv2Hello"};
    assertThat(Tls.modern(all)).containsExactly("TLSv1.3", "TLSv1.2");
  }

  @Test
  void modernParametersNarrowAnyContext() throws Exception {
    SSLContext legacy = SSLContext.getInstance("TLS");
    legacy.init(null, null, null);
    assertThat(Tls.modernParameters(legacy).getProtocols()).isNotEmpty().isSubsetOf(Tls.PROTOCOLS);
  }

  @Test
  void contextCannotBeReinitialized() {
    assertThatThrownBy(() -> context().init(null, null, null))
        .isInstanceOf(java.security.KeyManagementException.class);
  }

  @Test
  void wrongPasswordFailsWithoutEchoingIt() {
    assertThatThrownBy(() -> Tls.fromPkcs12(keystore, "not-the-password-xyz".toCharArray()))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining(keystore.toString())
        .hasMessageContaining("wrong password")
        .hasMessageNotContaining("not-the-password-xyz");
  }

  @Test
  void missingFileFails() {
    assertThatThrownBy(() -> Tls.fromPkcs12(dir.resolve("absent.p12"), "x".toCharArray()))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("absent.p12").hasMessageContaining("does not exist");
  }

  @Test
  void notAKeystoreFails() throws Exception {
    Path junk = Files.writeString(dir.resolve("junk.p12"), "this is not PKCS#12");
    assertThatThrownBy(() -> Tls.fromPkcs12(junk, "x".toCharArray()))
        .isInstanceOf(UncheckedIOException.class);
  }

  @Test
  void keystoreWithoutPrivateKeyFails() throws Exception {
    KeyStore source = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      source.load(in, SecurityTestSupport.KEYSTORE_PASSWORD.toCharArray());
    }
    KeyStore certsOnly = KeyStore.getInstance("PKCS12");
    certsOnly.load(null, null);
    certsOnly.setCertificateEntry("cert", source.getCertificate("qingliao"));
    Path file = dir.resolve("certs-only.p12");
    try (OutputStream out = Files.newOutputStream(file)) {
      certsOnly.store(out, "certs-only".toCharArray());
    }
    assertThatThrownBy(() -> Tls.fromPkcs12(file, "certs-only".toCharArray()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no private key");
  }

  @Test
  void protocolListIsModern() {
    assertThat(Tls.PROTOCOLS).isEqualTo(List.of("TLSv1.3", "TLSv1.2"));
  }
}
