package io.qingliao.server.internal.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.qingliao.core.Hub;
import io.qingliao.server.internal.metrics.ServerMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of the server on the JDK's {@code com.sun.net.httpserver}: health, metrics, the
 * rooms REST API and the web page from the classpath folder {@code static/}. HTTPS when an
 * {@link SSLContext} is given. Requests run on a bounded pool of daemon threads, not on the
 * server's single dispatcher thread; {@link #stop()} releases them. A client gets
 * {@value #MAX_REQUEST_SECONDS} s to send its request and {@value #MAX_RESPONSE_SECONDS} s to take
 * the answer, then its connection is closed.
 *
 * <p>Choices where PROTOCOL.md is silent: errors are {@code {"error","message"}} with the
 * protocol's codes where one fits ({@code bad_request}, {@code invalid_room}, {@code too_long},
 * {@code server_busy} as 503, {@code rate_limited} as 429) and otherwise {@code not_found} (404),
 * {@code method_not_allowed} (405, with {@code Allow}), {@code unauthorized} (401, with
 * {@code WWW-Authenticate: Bearer}), {@code too_large} (413), {@code unsupported_media_type}
 * (415) and {@code internal_error} (500). A POST without {@code from} publishes as
 * {@code "server"}. An empty {@code before=} or {@code limit=} means the default. HEAD is
 * answered wherever GET is. Unsafe static paths ({@code ..}, backslash, encoded separators that
 * decode to those) are 400, absent files 404.
 */
public final class HttpFrontend {
  private static final Logger log = LoggerFactory.getLogger(HttpFrontend.class);
  /**
   * Requests served at once. The JDK server reads a request (line, headers, body) on the worker
   * that handles it, blocking, so each slow client holds a worker: with 4, four clients sending
   * a byte now and then stalled the whole HTTP side. Idle workers end after 30 s.
   */
  private static final int WORKERS = 64;
  private static final int QUEUED_REQUESTS = 256;
  /** Longest a client may take to send a request (and to take the answer), in seconds. */
  static final int MAX_REQUEST_SECONDS = 10;
  static final int MAX_RESPONSE_SECONDS = 30;

  static {
    // The JDK server's own request and response timers (off by default), which close a
    // connection whose request or answer takes longer: slowloris clients cannot keep workers.
    // They are read once per JVM, when its first JDK HTTP server is created; an embedder's own
    // setting wins.
    setIfAbsent("sun.net.httpserver.maxReqTime", Integer.toString(MAX_REQUEST_SECONDS));
    setIfAbsent("sun.net.httpserver.maxRspTime", Integer.toString(MAX_RESPONSE_SECONDS));
  }

  private static void setIfAbsent(String property, String value) {
    if (System.getProperty(property) == null) {
      System.setProperty(property, value);
    }
  }
  private static final byte[] HEALTH = "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8);

  private final HttpServer server;
  private final ThreadPoolExecutor executor;
  private final List<Thread> workers;
  private final ApiRoutes api;
  private final StaticFiles files;
  private final ServerMetrics metrics;
  private boolean stopped;

  private HttpFrontend(HttpServer server, ThreadPoolExecutor executor, List<Thread> workers, Hub hub,
      ServerMetrics metrics, String adminToken) {
    this.server = server;
    this.executor = executor;
    this.workers = workers;
    this.metrics = metrics;
    this.api = new ApiRoutes(hub, adminToken);
    this.files = new StaticFiles(HttpFrontend.class.getClassLoader());
  }

  /**
   * Binds {@code address} (port 0 picks a free port) and starts serving.
   *
   * @param tlsOrNull HTTPS with this context, or plain HTTP when null
   * @param adminTokenOrNull token that {@code POST /api/rooms/{room}/messages} requires as
   *     {@code Authorization: Bearer}, or null to leave it open
   * @throws UncheckedIOException when the address cannot be bound
   */
  public static HttpFrontend start(InetSocketAddress address, SSLContext tlsOrNull, Hub hub,
      ServerMetrics metrics, String adminTokenOrNull) {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(hub, "hub");
    Objects.requireNonNull(metrics, "metrics");
    HttpServer server;
    try {
      if (tlsOrNull != null) {
        HttpsServer https = HttpsServer.create(address, 0);
        https.setHttpsConfigurator(new HttpsConfigurator(tlsOrNull));
        server = https;
      } else {
        server = HttpServer.create(address, 0);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot bind HTTP on " + address, e);
    }
    List<Thread> workers = new CopyOnWriteArrayList<>();
    ThreadPoolExecutor executor = new ThreadPoolExecutor(WORKERS, WORKERS, 30, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(QUEUED_REQUESTS), daemonThreads(workers));
    executor.allowCoreThreadTimeOut(true);
    HttpFrontend frontend = new HttpFrontend(server, executor, workers, hub, metrics, adminTokenOrNull);
    server.createContext("/", frontend::handle);
    server.setExecutor(executor);
    server.start();
    return frontend;
  }

  /** The bound port. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** Stops listening, closes open exchanges and ends the worker threads. Idempotent. */
  public synchronized void stop() {
    if (stopped) {
      return;
    }
    stopped = true;
    server.stop(0);
    executor.shutdown();
    try {
      if (!executor.awaitTermination(2, TimeUnit.SECONDS)) {
        executor.shutdownNow();
        executor.awaitTermination(2, TimeUnit.SECONDS);
      }
      // The pool reports termination just before its last threads exit: wait for them too.
      for (Thread worker : workers) {
        worker.join(1_000);
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    try {
      route(exchange);
    } catch (HttpError error) {
      Exchanges.sendError(exchange, error);
    } catch (IOException e) {
      log.debug("HTTP exchange failed", e);
    } catch (RuntimeException e) {
      HttpError mapped = ApiRoutes.failure(e);
      if (mapped.status() == 500) {
        log.warn("HTTP request {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
      }
      Exchanges.sendError(exchange, mapped);
    } finally {
      exchange.close();
    }
  }

  private void route(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getRawPath();
    String method = exchange.getRequestMethod();
    if (path == null || path.isEmpty()) {
      throw HttpError.badRequest("malformed path");
    }
    if (path.equals("/api") || path.startsWith("/api/")) {
      api.handle(exchange, path);
      return;
    }
    boolean get = method.equals("GET") || method.equals("HEAD");
    if (!get) {
      throw HttpError.methodNotAllowed("GET, HEAD");
    }
    switch (path) {
      case "/health":
        Exchanges.send(exchange, 200, Exchanges.JSON, HEALTH);
        return;
      case "/metrics":
        Exchanges.send(exchange, 200, ServerMetrics.CONTENT_TYPE, metrics.scrape().getBytes(StandardCharsets.UTF_8));
        return;
      default:
        files.serve(exchange, path);
    }
  }

  private static ThreadFactory daemonThreads(List<Thread> created) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, "qingliao-http-" + count.incrementAndGet());
      thread.setDaemon(true);
      created.removeIf(t -> t.getState() == Thread.State.TERMINATED);
      created.add(thread);
      return thread;
    };
  }
}
