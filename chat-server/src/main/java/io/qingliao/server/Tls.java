package io.qingliao.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyManagementException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.UnrecoverableKeyException;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * Server-side TLS for {@code wss://} and {@code https://}: TLS 1.2 and 1.3 only.
 *
 * <p>{@link #fromPkcs12} returns a context that enforces this by itself: every
 * {@link SSLEngine} and server socket it creates, and its {@link SSLContext#getDefaultSSLParameters()
 * default parameters}, enable only {@link #PROTOCOLS}, whatever the JVM's security properties
 * allow. Code that applies its own {@link SSLParameters} to an engine (Java-WebSocket's
 * {@code SSLParametersWebSocketServerFactory}, an {@code HttpsConfigurator}) must start from
 * {@link #modernParameters(SSLContext)} so that it does not widen the protocols again:
 *
 * <pre>{@code
 * // WebSocket side (Java-WebSocket)
 * server.setWebSocketFactory(new DefaultSSLWebSocketServerFactory(ctx));   // or
 * server.setWebSocketFactory(new SSLParametersWebSocketServerFactory(ctx, Tls.modernParameters(ctx)));
 *
 * // HTTP side (JDK HttpsServer)
 * https.setHttpsConfigurator(new HttpsConfigurator(ctx) {
 *   public void configure(HttpsParameters p) { p.setSSLParameters(Tls.modernParameters(ctx)); }
 * });
 * }</pre>
 */
public final class Tls {
  /** The protocols a Qingliao server speaks, newest first. */
  public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

  private Tls() {}

  /**
   * Loads the first private key (and its certificate chain) of a PKCS#12 keystore into a server
   * context limited to TLS 1.2 and 1.3. The key must be protected by the keystore's password,
   * as {@code keytool} and {@code openssl pkcs12} make it.
   *
   * @throws UncheckedIOException when the file is missing or unreadable, is not PKCS#12, or the
   *     password is wrong (the message names the file and the reason, never the password)
   * @throws IllegalArgumentException when the keystore holds no private key
   */
  public static SSLContext fromPkcs12(Path keystore, char[] password) {
    Objects.requireNonNull(keystore, "keystore");
    Objects.requireNonNull(password, "password");
    KeyStore store;
    try (InputStream in = Files.newInputStream(keystore)) {
      store = KeyStore.getInstance("PKCS12");
      store.load(in, password);
    } catch (NoSuchFileException e) {
      throw new UncheckedIOException("keystore " + keystore + " does not exist", e);
    } catch (IOException e) {
      String why = e.getCause() instanceof UnrecoverableKeyException ? "wrong password"
          : Files.isReadable(keystore) ? "not a PKCS#12 keystore, or wrong password" : "cannot read the file";
      throw new UncheckedIOException("cannot load keystore " + keystore + ": " + why, e);
    } catch (GeneralSecurityException e) {
      throw new UncheckedIOException(new IOException(
          "cannot load keystore " + keystore + ": " + rootMessage(e), e));
    }
    try {
      if (!hasPrivateKey(store)) {
        throw new IllegalArgumentException("keystore " + keystore + " holds no private key");
      }
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(store, password);
      SSLContext delegate = SSLContext.getInstance("TLS");
      delegate.init(kmf.getKeyManagers(), null, null);
      return new SSLContext(new ModernSpi(delegate), delegate.getProvider(), delegate.getProtocol()) {};
    } catch (GeneralSecurityException e) {
      throw new UncheckedIOException(new IOException(
          "cannot use the key in " + keystore + ": " + rootMessage(e), e));
    }
  }

  /**
   * The context's default parameters, with protocols narrowed to {@link #PROTOCOLS}. A fresh
   * copy on each call: callers may change it.
   */
  public static SSLParameters modernParameters(SSLContext context) {
    SSLParameters params = context.getDefaultSSLParameters();
    params.setProtocols(modern(params.getProtocols()));
    return params;
  }

  /** {@code offered} narrowed to {@link #PROTOCOLS}, keeping its order. */
  static String[] modern(String[] offered) {
    return Arrays.stream(offered).filter(PROTOCOLS::contains).toArray(String[]::new);
  }

  private static boolean hasPrivateKey(KeyStore store) throws GeneralSecurityException {
    for (String alias : Collections.list(store.aliases())) {
      if (store.isKeyEntry(alias)) {
        return true;
      }
    }
    return false;
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
  }

  /** Delegates to a real context, narrowing protocols on everything it hands out. */
  private static final class ModernSpi extends SSLContextSpi {
    private final SSLContext delegate;

    ModernSpi(SSLContext delegate) {
      this.delegate = delegate;
    }

    @Override
    protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random)
        throws KeyManagementException {
      throw new KeyManagementException("already initialized");
    }

    @Override
    protected SSLSocketFactory engineGetSocketFactory() {
      return delegate.getSocketFactory();
    }

    @Override
    protected SSLServerSocketFactory engineGetServerSocketFactory() {
      return new ModernServerSocketFactory(delegate.getServerSocketFactory());
    }

    @Override
    protected SSLEngine engineCreateSSLEngine() {
      return narrow(delegate.createSSLEngine());
    }

    @Override
    protected SSLEngine engineCreateSSLEngine(String host, int port) {
      return narrow(delegate.createSSLEngine(host, port));
    }

    @Override
    protected SSLSessionContext engineGetServerSessionContext() {
      return delegate.getServerSessionContext();
    }

    @Override
    protected SSLSessionContext engineGetClientSessionContext() {
      return delegate.getClientSessionContext();
    }

    @Override
    protected SSLParameters engineGetDefaultSSLParameters() {
      return modernParameters(delegate);
    }

    @Override
    protected SSLParameters engineGetSupportedSSLParameters() {
      SSLParameters params = delegate.getSupportedSSLParameters();
      params.setProtocols(modern(params.getProtocols()));
      return params;
    }

    private static SSLEngine narrow(SSLEngine engine) {
      engine.setEnabledProtocols(modern(engine.getEnabledProtocols()));
      return engine;
    }
  }

  /** Server sockets that enable only {@link #PROTOCOLS}. */
  private static final class ModernServerSocketFactory extends SSLServerSocketFactory {
    private final SSLServerSocketFactory delegate;

    ModernServerSocketFactory(SSLServerSocketFactory delegate) {
      this.delegate = delegate;
    }

    @Override
    public ServerSocket createServerSocket() throws IOException {
      return narrow(delegate.createServerSocket());
    }

    @Override
    public ServerSocket createServerSocket(int port) throws IOException {
      return narrow(delegate.createServerSocket(port));
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog) throws IOException {
      return narrow(delegate.createServerSocket(port, backlog));
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog, InetAddress address)
        throws IOException {
      return narrow(delegate.createServerSocket(port, backlog, address));
    }

    @Override
    public String[] getDefaultCipherSuites() {
      return delegate.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
      return delegate.getSupportedCipherSuites();
    }

    private static ServerSocket narrow(ServerSocket socket) {
      SSLServerSocket ssl = (SSLServerSocket) socket;
      ssl.setEnabledProtocols(modern(ssl.getEnabledProtocols()));
      return ssl;
    }
  }
}
