package io.qingliao.server.internal.ws;

import io.qingliao.core.CloseCodes;
import io.qingliao.core.ConnectRequest;
import io.qingliao.core.Hub;
import io.qingliao.core.HubSession;
import io.qingliao.server.Identity;
import io.qingliao.server.internal.batch.WriteBatch;
import io.qingliao.server.internal.metrics.ServerMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.java_websocket.WebSocket;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.drafts.Draft;
import org.java_websocket.exceptions.InvalidDataException;
import org.java_websocket.framing.CloseFrame;
import org.java_websocket.framing.Framedata;
import org.java_websocket.exceptions.WebsocketNotConnectedException;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.handshake.ServerHandshakeBuilder;
import org.java_websocket.server.DefaultSSLWebSocketServerFactory;
import org.java_websocket.server.DefaultWebSocketServerFactory;
import org.java_websocket.server.WebSocketServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub on Java-WebSocket: the one place where the library's server API is used. It refuses
 * handshakes (origin 403, capacity 503), authenticates, opens a hub session per connection,
 * passes frames on, and runs one shared check per second or so for idle clients and for closes
 * that take too long.
 *
 * <p>Library callbacks run on its selector and worker threads; nothing here blocks in them.
 */
public final class WebSocketFrontend extends WebSocketServer {
  private static final Logger log = LoggerFactory.getLogger(WebSocketFrontend.class);
  /** Connections the kernel may hold accepted before the selector takes them. */
  static final int ACCEPT_BACKLOG = 4096;

  private final WsSettings settings;
  private final Hub hub;
  private final ServerMetrics metrics;
  private final ServerFrames frames = new ServerFrames();
  private final Set<WsTransport> transports = ConcurrentHashMap.newKeySet();
  private final AtomicInteger slots = new AtomicInteger();
  private final CompletableFuture<Void> started = new CompletableFuture<>();
  private final ScheduledExecutorService scheduler;
  private final ExecutorService tlsTasks;
  /** Flushes half of a large write scope while the scope's own thread does the other half. */
  private final ExecutorService flushHelper;
  /** Closes sockets without a reset while their client is still sending. */
  private final GentleClose gentleClose;
  private final long idleNanos;
  /** Between two keep-alive pings of a connection: half the idle timeout, at least a second. */
  private final long pingNanos;

  public WebSocketFrontend(WsSettings settings, Hub hub, ServerMetrics metrics) {
    super(new InetSocketAddress(settings.host(), settings.port()),
        Runtime.getRuntime().availableProcessors(),
        List.<Draft>of(new BoundedDraft(settings.maxFrameBytes())));
    this.settings = settings;
    this.hub = hub;
    this.metrics = metrics;
    this.idleNanos = settings.idleTimeout().toNanos();
    this.pingNanos = TimeUnit.SECONDS.toNanos(Math.max(1, settings.idleTimeout().toSeconds() / 2));
    this.scheduler = Executors.newSingleThreadScheduledExecutor(daemon("qingliao-ws-scheduler"));
    this.gentleClose = new GentleClose(scheduler);
    this.tlsTasks = settings.tls() == null ? null
        : Executors.newSingleThreadExecutor(daemon("qingliao-ws-tls"));
    this.flushHelper = Runtime.getRuntime().availableProcessors() < 2 ? null
        : Executors.newSingleThreadExecutor(daemon("qingliao-ws-flush"));
    setTcpNoDelay(true);
    setReuseAddr(true);
    // The library binds with a backlog of 50 unless told: a burst of connects (a reconnect
    // storm after a restart) then overflows the accept queue and clients wait for SYN retries
    // (1, 3, 7 s). The kernel caps this at net.core.somaxconn.
    setMaxPendingConnections(ACCEPT_BACKLOG);
    setDaemon(true);
    // Protocol pings find dead peers (live but silent clients are the idle check's business).
    // Our sweep sends them, each connection at its own phase (WsTransport.keepAlive): the
    // library's own checker pings every connection in the same instant.
    setConnectionLostTimeout(0);
    setWebSocketFactory(new TransportFactory(plainOrTls(settings.tls()), this));
  }

  /** Binds and starts; returns once listening. Throws {@link UncheckedIOException} if it cannot bind. */
  public void startAndAwait(Duration timeout) {
    start();
    try {
      started.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      shutdown(Duration.ofSeconds(1));
      if (cause instanceof IOException io) {
        throw new UncheckedIOException("cannot listen on " + settings.host() + ":" + settings.port(), io);
      }
      throw new IllegalStateException("WebSocket server failed to start", cause);
    } catch (TimeoutException e) {
      shutdown(Duration.ofSeconds(1));
      throw new UncheckedIOException(new IOException("WebSocket server did not start within " + timeout));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      shutdown(Duration.ofSeconds(1));
      throw new IllegalStateException("interrupted while starting", e);
    }
    long period = Math.max(50, Math.min(1000, settings.idleTimeout().toMillis() / 4));
    scheduler.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
  }

  /**
   * Stops accepting, closes every client with 1001, and waits up to {@code timeout} for the
   * library's threads; connections whose peer does not take the close in time are cut.
   */
  public void shutdown(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      stop((int) Math.max(1, timeout.toMillis()), CloseCodes.REASON_SHUTDOWN);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ClosedSelectorException e) {
      // The library's stop() sends each client its close frame while its selector thread may
      // already have closed the selector (seen with hundreds of clients): the rest are cut below.
      log.debug("selector closed while the library was closing connections");
    }
    for (WsTransport transport : transports) {
      // Each close tells the hub, which tells the others in the room: one failure must not
      // stop the rest from closing (or the server from stopping).
      runQuietly(() -> transport.connection().closeConnection(CloseFrame.GOING_AWAY, CloseCodes.REASON_SHUTDOWN));
    }
    scheduler.shutdownNow();
    gentleClose.stop();
    if (tlsTasks != null) {
      tlsTasks.shutdownNow();
    }
    if (flushHelper != null) {
      // Not shutdownNow: a flush already handed over still runs (connections are closed anyway).
      flushHelper.shutdown();
      awaitQuietly(flushHelper, deadline);
    }
    for (Thread worker : decoders) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      try {
        worker.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
  }

  /** Live connections, handshakes in progress included. */
  public int connectionCount() {
    return transports.size();
  }

  /** Bytes handed to connections and not yet written, over all connections (walks them). */
  long queuedBytes() {
    long total = 0;
    for (WsTransport transport : transports) {
      total += transport.queuedBytes();
    }
    return total;
  }

  // Library callbacks ------------------------------------------------------------------------------

  @Override
  public ServerHandshakeBuilder onWebsocketHandshakeReceivedAsServer(
      WebSocket conn, Draft draft, ClientHandshake handshake) throws InvalidDataException {
    ServerHandshakeBuilder response = super.onWebsocketHandshakeReceivedAsServer(conn, draft, handshake);
    WsTransport transport = conn.getAttachment();
    if (!isWebSocketUpgrade(handshake)) {
      throw refuse(transport, 400, "Bad Request", "bad_handshake", "bad_request", "not a WebSocket handshake");
    }
    HandshakeRequest request = HandshakeRequest.parse(
        transport.requestTarget(handshake.getResourceDescriptor()), handshake::getFieldValue);
    if (!settings.originAllowed(request.origin())) {
      throw refuse(transport, 403, "Forbidden", "origin", "forbidden", "origin not allowed");
    }
    if (slots.incrementAndGet() > settings.maxConnections()) {
      slots.decrementAndGet();
      throw refuse(transport, 503, "Service Unavailable", "max_connections", "server_busy", "too many connections");
    }
    transport.holdSlot();
    transport.handshake(request, authenticate(request.token()));
    return response;
  }

  @Override
  public void onOpen(WebSocket conn, ClientHandshake handshake) {
    // The welcome, the history replay and the room's join notices go out one write per
    // connection (see WriteBatch); the same for every callback below that reaches the hub.
    try (WriteBatch batch = WriteBatch.open()) {
      openSession(conn);
    }
  }

  private void openSession(WebSocket conn) {
    WsTransport transport = conn.getAttachment();
    transport.upgraded(pingNanos);
    Identity identity = transport.identity();
    if (identity == null) {
      metrics.connectionRefused("unauthorized");
      log.debug("refused {}: unauthorized", conn.getRemoteSocketAddress());
      transport.close(CloseCodes.UNAUTHORIZED, CloseCodes.REASON_UNAUTHORIZED);
      return;
    }
    HandshakeRequest request = transport.request();
    String nick = identity.nick() != null ? identity.nick() : request.nick();
    metrics.connectionOpened();
    transport.frameReceived();
    HubSession session = hub.open(transport,
        new ConnectRequest(nick, request.room(), request.since(), request.format(), identity.subject()));
    if (!transport.attach(session)) {
      metrics.connectionClosed();
      session.onClose(CloseFrame.ABNORMAL_CLOSE, "closed while opening");
      return;
    }
    log.debug("connected {} as {} ({})", conn.getRemoteSocketAddress(), session.nick(), session.id());
    pingOnce(conn);
  }

  /**
   * Pings a connection that just opened. Java-WebSocket leaves a connection's selection key in
   * the selector's selected-key set after writing the handshake's answer, until the next read
   * takes it out, and calls {@code doWrite} on every key of that set at every wake-up of the
   * selector. A client that only listens (most members of a big room) would cost every wake-up
   * that step until the library's own ping, up to half the idle timeout later: with a thousand
   * silent members, each incoming chat waited for the walk, and the selector spent four fifths
   * of its time on it. The client's pong is that next read.
   */
  private static void pingOnce(WebSocket conn) {
    try {
      conn.sendPing();
    } catch (WebsocketNotConnectedException closedMeanwhile) {
      // Nothing to clean up: the key goes with the connection.
    }
  }

  @Override
  public void onMessage(WebSocket conn, String message) {
    WsTransport transport = conn.getAttachment();
    HubSession session = transport.session();
    if (session != null) {
      transport.frameReceived();
      try (WriteBatch batch = WriteBatch.open()) {
        session.onText(message);
      }
    }
  }

  @Override
  public void onMessage(WebSocket conn, ByteBuffer message) {
    WsTransport transport = conn.getAttachment();
    HubSession session = transport.session();
    if (session != null) {
      transport.frameReceived();
      try (WriteBatch batch = WriteBatch.open()) {
        session.onBinary(message);
      }
    }
  }

  @Override
  public void onWebsocketPong(WebSocket conn, Framedata pong) {
    WsTransport transport = conn.getAttachment();
    if (transport != null) {
      transport.pongReceived();
    }
  }

  @Override
  public void onClose(WebSocket conn, int code, String reason, boolean remote) {
    WsTransport transport = conn.getAttachment();
    HubSession session = transport.end();
    if (session != null) {
      metrics.connectionClosed();
      try (WriteBatch batch = WriteBatch.open()) {
        session.onClose(code, reason);
      }
      log.debug("disconnected {} ({}): {} {}{}", session.nick(), session.id(), code, reason,
          remote ? " by the client" : "");
    }
  }

  @Override
  protected boolean removeConnection(WebSocket conn) {
    // Called for every connection that ends, opened or not.
    WsTransport transport = conn.getAttachment();
    if (transport != null) {
      transports.remove(transport);
      releaseSlot(transport);
      transport.closed();
    }
    boolean removed = super.removeConnection(conn);
    if (!removed && transport != null) {
      // The library calls onClose only for connections it had added; one that ends while its
      // onOpen is still running is not yet added, so its session (if any) is closed here.
      HubSession session = transport.end();
      if (session != null) {
        metrics.connectionClosed();
        session.onClose(CloseFrame.ABNORMAL_CLOSE, "");
      }
    }
    return removed;
  }

  @Override
  public void onError(WebSocket conn, Exception ex) {
    if (conn == null) {
      if (!started.completeExceptionally(ex)) {
        log.error("WebSocket server error", ex);
      }
    } else if (ex instanceof InvalidDataException || ex instanceof IOException) {
      log.debug("connection {} failed: {}", conn.getRemoteSocketAddress(), ex.toString());
    } else {
      log.error("error on connection {}", conn.getRemoteSocketAddress(), ex);
    }
  }

  @Override
  public void onStart() {
    started.complete(null);
  }

  // For WsTransport and TransportFactory -------------------------------------------------------------

  WsTransport accepted(WebSocketImpl conn) {
    WsTransport transport = new WsTransport(conn, this);
    conn.setAttachment(transport);
    transports.add(transport);
    return transport;
  }

  ServerFrames frames() {
    return frames;
  }

  Executor flushHelper() {
    return flushHelper;
  }

  ServerMetrics metrics() {
    return metrics;
  }

  void idle(WsTransport transport) {
    metrics.dropped("idle");
    log.debug("closing idle connection {}", transport.connection().getRemoteSocketAddress());
  }

  /**
   * Runs {@code task} on the scheduler thread; drops it once the server is stopping (stopping
   * closes every connection itself). For callers that hold a lock the task must not run under.
   */
  void runLaterUnlessStopped(Runnable task) {
    try {
      scheduler.execute(() -> runQuietly(task));
    } catch (RejectedExecutionException stopping) {
      log.debug("server stopping: dropped a deferred close");
    }
  }

  GentleClose gentleClose() {
    return gentleClose;
  }

  /** Runs {@code task} on the scheduler thread, or here once the server is stopping. */
  void runLater(Runnable task) {
    try {
      scheduler.execute(() -> runQuietly(task));
    } catch (RejectedExecutionException e) {
      runQuietly(task);
    }
  }

  // -----------------------------------------------------------------------------------------------

  private InvalidDataException refuse(WsTransport transport, int status, String statusText,
      String metric, String code, String message) {
    metrics.connectionRefused(metric);
    log.debug("refused handshake from {}: {} {}", transport.connection().getRemoteSocketAddress(), status, message);
    transport.refuse(status, statusText, code, message);
    return new InvalidDataException(CloseFrame.POLICY_VALIDATION, message);
  }

  /**
   * RFC 6455 section 4.2.1, which the library checks only in part: {@code Upgrade: websocket},
   * {@code Connection} naming {@code Upgrade}, and one key of 16 bytes in base64 (a repeated
   * header arrives joined with a comma, and fails this).
   */
  private static boolean isWebSocketUpgrade(ClientHandshake handshake) {
    String upgrade = handshake.getFieldValue("Upgrade").trim();
    boolean connectionUpgrade = false;
    for (String token : handshake.getFieldValue("Connection").split(",")) {
      connectionUpgrade |= token.trim().equalsIgnoreCase("upgrade");
    }
    String key = handshake.getFieldValue("Sec-WebSocket-Key").trim();
    boolean keyOk;
    try {
      keyOk = java.util.Base64.getDecoder().decode(key).length == 16;
    } catch (IllegalArgumentException e) {
      keyOk = false;
    }
    return upgrade.equalsIgnoreCase("websocket") && connectionUpgrade && keyOk;
  }

  private Identity authenticate(String token) {
    try {
      Optional<Identity> identity = settings.authenticator().authenticate(token);
      return identity == null ? null : identity.orElse(null);
    } catch (RuntimeException e) {
      log.warn("authenticator failed; refusing the connection", e);
      return null;
    }
  }

  private void releaseSlot(WsTransport transport) {
    if (transport.releaseSlot()) {
      slots.decrementAndGet();
    }
  }

  private void sweep() {
    long now = System.nanoTime();
    for (WsTransport transport : transports) {
      runQuietly(() -> transport.sweep(now, idleNanos, pingNanos));
      if (transport.connection().isClosed()) {
        transports.remove(transport);
        releaseSlot(transport);
      }
    }
  }

  private static void awaitQuietly(ExecutorService executor, long deadlineNanos) {
    try {
      executor.awaitTermination(Math.max(1, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void runQuietly(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException e) {
      log.warn("WebSocket housekeeping failed", e);
    }
  }

  private org.java_websocket.WebSocketServerFactory plainOrTls(SSLContext tls) {
    return tls == null ? new DefaultWebSocketServerFactory()
        : new DefaultSSLWebSocketServerFactory(tls, tlsTasks);
  }

  private static ThreadFactory daemon(String name) {
    return runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    };
  }
}
