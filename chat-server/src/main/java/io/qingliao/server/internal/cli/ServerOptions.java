package io.qingliao.server.internal.cli;

import io.qingliao.server.Authenticator;
import io.qingliao.server.ChatServer;
import io.qingliao.server.JwtAuthenticator;
import io.qingliao.server.Tls;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The server's command line. Every option falls back to its {@code QINGLIAO_*} environment
 * variable (see {@link EnvironmentDefaults}), then to the default shown in {@code --help}.
 */
@Command(
    name = "qingliao-server",
    mixinStandardHelpOptions = true,
    versionProvider = VersionInfo.class,
    sortOptions = false,
    usageHelpWidth = 100,
    description = {
      "Qingliao: real-time chat server for WeChat mini-programs and any WebSocket client "
          + "(rooms, durable history, recovery, presence, direct messages).",
      "",
      "Each option may also be set through the environment variable named after it "
          + "(--ws-port -> QINGLIAO_WS_PORT); a command-line option wins over the environment.",
      ""
    },
    footer = {"", "Port 0 picks a free port; the bound addresses are printed after start. "
        + "SIGTERM stops gracefully: clients get close 1001 and the store is flushed."})
public final class ServerOptions {
  /** Where chat history is kept. */
  public enum StoreKind { sqlite, memory }

  static final int MAX_FRAME_LIMIT = 64 << 20;

  @Spec CommandSpec spec;

  @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "0.0.0.0",
      description = "Address to listen on (default: ${DEFAULT-VALUE}; env QINGLIAO_HOST).")
  String host;

  @Option(names = "--ws-port", paramLabel = "PORT", defaultValue = "8000",
      description = "WebSocket port, 0 = any free port (default: ${DEFAULT-VALUE}; env QINGLIAO_WS_PORT).")
  int wsPort;

  @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "3000",
      description = "HTTP port for the web page, REST API, /health and /metrics; 0 = any free port, "
          + "-1 = no HTTP side (default: ${DEFAULT-VALUE}; env QINGLIAO_HTTP_PORT).")
  int httpPort;

  @Option(names = "--store", paramLabel = "KIND", defaultValue = "sqlite",
      description = "Message store: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}; "
          + "env QINGLIAO_STORE).")
  StoreKind store;

  @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "./data",
      description = "Directory of the SQLite store (default: ${DEFAULT-VALUE}; env QINGLIAO_DATA_DIR).")
  Path dataDir;

  @Option(names = "--admin-token", paramLabel = "TOKEN",
      description = "Token required by POST /api/rooms/{room}/messages; unset = open "
          + "(default: none; env QINGLIAO_ADMIN_TOKEN).")
  String adminToken;

  @Option(names = "--jwt-secret", paramLabel = "SECRET",
      description = "HS256 secret: when set, WebSocket clients must present a JWT "
          + "(?token= or Authorization: Bearer) (default: none; env QINGLIAO_JWT_SECRET).")
  String jwtSecret;

  @Option(names = "--origins", paramLabel = "LIST", defaultValue = "",
      description = "Comma-separated allowed Origin values, e.g. https://example.com; empty = any "
          + "(default: any; env QINGLIAO_ORIGINS).")
  String origins;

  @Option(names = "--max-connections", paramLabel = "N", defaultValue = "10000",
      description = "Most WebSocket connections at once (default: ${DEFAULT-VALUE}; "
          + "env QINGLIAO_MAX_CONNECTIONS).")
  int maxConnections;

  @Option(names = "--idle-timeout", paramLabel = "SECONDS", defaultValue = "60",
      description = "Close a connection silent this long with 4000 (default: ${DEFAULT-VALUE}; "
          + "env QINGLIAO_IDLE_TIMEOUT).")
  int idleTimeoutSeconds;

  @Option(names = "--rate-limit", paramLabel = "PER_SECOND", defaultValue = "20",
      description = "Frames per second per connection, burst twice that (default: ${DEFAULT-VALUE}; "
          + "env QINGLIAO_RATE_LIMIT).")
  double rateLimit;

  @Option(names = "--max-frame-bytes", paramLabel = "BYTES", defaultValue = "65536",
      description = "Largest client message; bigger ones close with 1009 (default: ${DEFAULT-VALUE}; "
          + "env QINGLIAO_MAX_FRAME_BYTES).")
  int maxFrameBytes;

  @Option(names = "--tls-keystore", paramLabel = "FILE",
      description = "PKCS#12 keystore: serve wss:// and https:// (TLS 1.2 and 1.3) "
          + "(default: none; env QINGLIAO_TLS_KEYSTORE).")
  Path tlsKeystore;

  @Option(names = "--tls-password", paramLabel = "PASSWORD",
      description = "Password of the keystore; prefer the environment variable "
          + "(default: none; env QINGLIAO_TLS_PASSWORD).")
  String tlsPassword;

  /** Checks the values picocli could not check by type; throws picocli's usage error. */
  public void validate() {
    CommandLine cmd = spec.commandLine();
    checkRange(cmd, "--ws-port", wsPort, 0, 65_535);
    checkRange(cmd, "--http-port", httpPort, -1, 65_535);
    checkRange(cmd, "--max-connections", maxConnections, 1, Integer.MAX_VALUE);
    checkRange(cmd, "--idle-timeout", idleTimeoutSeconds, 1, 86_400);
    checkRange(cmd, "--max-frame-bytes", maxFrameBytes, 1, MAX_FRAME_LIMIT);
    if (!(rateLimit > 0) || Double.isInfinite(rateLimit)) {
      throw new ParameterException(cmd, "Invalid value for option '--rate-limit': must be a positive number");
    }
    if (host.isBlank()) {
      throw new ParameterException(cmd, "Invalid value for option '--host': must not be empty");
    }
    if (wsPort != 0 && wsPort == httpPort) {
      throw new ParameterException(cmd, "--ws-port and --http-port must differ (both are " + wsPort + ")");
    }
    if (jwtSecret != null && jwtSecret.isEmpty()) {
      throw new ParameterException(cmd, "Invalid value for option '--jwt-secret': must not be empty");
    }
    for (String origin : originList()) {
      if (!origin.matches("(?i)https?://[^/\\s]+")) {
        throw new ParameterException(cmd, "Invalid value for option '--origins': '" + origin
            + "' is not an origin such as https://example.com (scheme://host[:port], no path)");
      }
    }
    if (tlsKeystore != null) {
      if (!Files.isReadable(tlsKeystore)) {
        throw new ParameterException(cmd, "Invalid value for option '--tls-keystore': cannot read " + tlsKeystore);
      }
      if (tlsPassword == null) {
        throw new ParameterException(cmd,
            "--tls-keystore needs a password: set QINGLIAO_TLS_PASSWORD (or --tls-password)");
      }
    } else if (tlsPassword != null) {
      throw new ParameterException(cmd, "--tls-password is set but --tls-keystore is not");
    }
  }

  /** Loads the keystore, if any; a bad one is a usage error. */
  public SSLContext tlsContext() {
    if (tlsKeystore == null) {
      return null;
    }
    char[] password = tlsPassword.toCharArray();
    try {
      return Tls.fromPkcs12(tlsKeystore, password);
    } catch (UncheckedIOException | IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "Invalid value for option '--tls-keystore': "
          + e.getMessage());
    } finally {
      Arrays.fill(password, '\0');
    }
  }

  /** A server builder set up from these options (TLS included). */
  public ChatServer.Builder toBuilder() {
    SSLContext tls = tlsContext();
    ChatServer.Builder builder = ChatServer.builder()
        .host(host)
        .wsPort(wsPort)
        .httpPort(httpPort)
        .adminToken(adminToken)
        .authenticator(jwtSecret == null ? Authenticator.anonymous() : new JwtAuthenticator(jwtSecret))
        .origins(originList())
        .maxConnections(maxConnections)
        .idleTimeout(Duration.ofSeconds(idleTimeoutSeconds))
        .rateLimit(rateLimit)
        .maxFrameBytes(maxFrameBytes);
    if (store == StoreKind.memory) {
      builder.memoryStore();
    } else {
      builder.sqliteStore(dataDir);
    }
    if (tls != null) {
      builder.tls(tls);
    }
    return builder;
  }

  public String host() {
    return host;
  }

  public boolean tls() {
    return tlsKeystore != null;
  }

  public StoreKind store() {
    return store;
  }

  public Path dataDir() {
    return dataDir;
  }

  /** The allowed origins, trimmed, without empty entries; empty = any. */
  public List<String> originList() {
    return Arrays.stream(origins.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  private static void checkRange(CommandLine cmd, String option, long value, long min, long max) {
    if (value < min || value > max) {
      throw new ParameterException(cmd, "Invalid value for option '" + option + "': " + value
          + " is not in " + min + ".." + max);
    }
  }
}
