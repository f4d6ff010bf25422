package io.qingliao.examples;

import io.qingliao.core.CloseCodes;
import io.qingliao.core.ConnectRequest;
import io.qingliao.core.Hub;
import io.qingliao.core.HubSession;
import io.qingliao.core.OutboundFrame;
import io.qingliao.core.OutputFormat;
import io.qingliao.core.SessionTransport;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.java_websocket.WebSocket;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.exceptions.WebsocketNotConnectedException;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.server.WebSocketServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The original 轻聊 demo, in Java: a WebSocket server that greets each connection with
 * {@code 嗨嗨} and logs what it receives. The Node version was
 *
 * <pre>{@code
 * wss.on('connection', ws => {
 *   ws.on('message', message => console.log('received: %s', message));
 *   ws.send('嗨嗨');
 * });
 * }</pre>
 *
 * <p>and its page only ever talked to itself: nothing it sent reached anyone else. Here the chat
 * is done by chat-core's {@link Hub}, embedded in a few dozen lines: this is the example to copy
 * when you want 轻聊 inside your own server. The recipe has three parts:
 *
 * <ol>
 *   <li>build one {@link Hub} for the whole server;
 *   <li>when a connection opens, wrap it in a {@link SessionTransport} (how the hub writes to it)
 *       and hand that to {@link Hub#open}, which returns the connection's {@link HubSession};
 *   <li>feed every frame and the close of the connection to that session.
 * </ol>
 *
 * <p>Like the original page, a client gets plain text frames ({@code format=text}: chat as
 * {@code nick: text}, notices as their text) unless it asks for the JSON protocol with
 * {@code ?format=json}; {@code ?nick=} and {@code ?room=} work as in the full server. For the real
 * thing (durable history, HTTP API, limits, TLS) run {@link Server}.
 */
public final class Hello extends WebSocketServer implements AutoCloseable {
  /** The greeting of the original demo. */
  public static final String GREETING = "嗨嗨";
  /** Larger frames close the connection with 1009, as in the full server. */
  static final int MAX_FRAME_BYTES = 65_536;

  private final Hub hub = Hub.builder().build(); // in-memory history, default limits
  private final PrintStream log;
  private final CompletableFuture<Void> started = new CompletableFuture<>();

  /** A server on {@code address} that logs to {@code log}; call {@link #startAndWait()}. */
  public Hello(InetSocketAddress address, PrintStream log) {
    // Draft_6455 with a size limit: without one, a client could make us buffer a frame of any size.
    super(address, List.of(new Draft_6455(List.of(), MAX_FRAME_BYTES)));
    this.log = log;
    setReuseAddr(true);
    setTcpNoDelay(true);
    setConnectionLostTimeout(60); // protocol-level pings find dead peers
  }

  /** Starts listening; returns once the port is bound (or throws why it could not be). */
  public Hello startAndWait() throws InterruptedException, TimeoutException {
    start();
    try {
      started.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      close();
      throw new IllegalStateException("cannot listen on " + getAddress(), e.getCause());
    } catch (TimeoutException e) {
      close();
      throw e;
    }
    return this;
  }

  // 1. A connection opens: greet it, as the original did, then let the hub take over. ------------

  @Override
  public void onOpen(WebSocket conn, ClientHandshake handshake) {
    conn.send(GREETING); // first, so it comes before anything the hub sends
    Map<String, String> query = query(handshake.getResourceDescriptor());
    String format = query.getOrDefault("format", "text"); // the original page shows raw text
    ConnectRequest request = new ConnectRequest(query.get("nick"), query.get("room"), query.get("since"),
        OutputFormat.fromQuery(format), null);

    Connection connection = new Connection(conn);
    conn.setAttachment(connection);
    // The hub sends welcome/joined (or, in text format, the room's recent messages) right here.
    connection.attach(hub.open(connection, request));
  }

  // 2. Every frame goes to the connection's session: the hub answers it and broadcasts chat. -----

  @Override
  public void onMessage(WebSocket conn, String message) {
    log.printf("received: %s%n", message);
    Connection connection = conn.getAttachment();
    connection.session().onText(message); // a plain-text frame is a chat message to the room
  }

  @Override
  public void onMessage(WebSocket conn, ByteBuffer message) {
    log.printf("received: %d bytes%n", message.remaining());
    Connection connection = conn.getAttachment();
    connection.session().onBinary(message); // relayed to the other members of the room
  }

  // 3. The connection ends: the session leaves its rooms (the others see "alice left"). --------

  @Override
  public void onClose(WebSocket conn, int code, String reason, boolean remote) {
    Connection connection = conn.getAttachment();
    if (connection != null) {
      connection.end(code, reason);
    }
  }

  @Override
  public void onError(WebSocket conn, Exception e) {
    if (conn == null) {
      started.completeExceptionally(e); // the port could not be bound: onStart never comes
    } else {
      log.printf("error on %s: %s%n", conn.getRemoteSocketAddress(), e);
    }
  }

  @Override
  public void onStart() {
    started.complete(null);
  }

  /** Sends 1001 to every client, stops the server's threads, then the hub. */
  @Override
  public void close() {
    try {
      stop(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      hub.close();
    }
  }

  /** The embedded hub: its rooms, members and history, for the rest of your server. */
  public Hub hub() {
    return hub;
  }

  /** The bound port (the real one when started on port 0). */
  public int port() {
    return getPort();
  }

  /**
   * How the hub writes to one Java-WebSocket connection. The hub calls these from any thread,
   * sometimes while holding a room lock, so none of them may block; Java-WebSocket's
   * {@code send} only queues the frame for its selector thread, so it qualifies.
   */
  private static final class Connection implements SessionTransport {
    private final WebSocket conn;
    private HubSession session;
    private boolean ended;

    Connection(WebSocket conn) {
      this.conn = conn;
    }

    @Override
    public void sendText(String text) {
      try {
        conn.send(text);
      } catch (WebsocketNotConnectedException e) {
        // the client is gone; onClose tells the hub
      }
    }

    @Override
    public void sendFrame(OutboundFrame frame) {
      sendText(frame.text()); // a broadcast: chat-server sends the cached bytes, we keep it simple
    }

    @Override
    public void sendBinary(ByteBuffer data) {
      try {
        conn.send(data.duplicate()); // duplicate: the same buffer goes to every member
      } catch (WebsocketNotConnectedException e) {
        // the client is gone; onClose tells the hub
      }
    }

    @Override
    public void close(int code, String reason) {
      conn.close(code, reason); // e.g. 4008 for a client that reads too slowly
    }

    /** What is still waiting for the network: the hub closes a client that lets this pile up. */
    @Override
    public long queuedBytes() {
      long bytes = 0;
      for (ByteBuffer frame : ((WebSocketImpl) conn).outQueue) {
        bytes += frame.remaining();
      }
      return bytes;
    }

    synchronized HubSession session() {
      return session;
    }

    /** The hub opened the session; if the client already left meanwhile, close it at once. */
    void attach(HubSession opened) {
      synchronized (this) {
        session = opened;
        if (!ended && !conn.isClosing() && !conn.isClosed()) {
          return;
        }
        ended = true;
      }
      opened.onClose(CloseCodes.GOING_AWAY, "closed while opening");
    }

    void end(int code, String reason) {
      HubSession s;
      synchronized (this) {
        ended = true;
        s = session;
      }
      if (s != null) {
        s.onClose(code, reason);
      }
    }
  }

  /** The URL query ({@code /?nick=alice&room=%E5%A4%A7%E5%8E%85}) as a map; the hub validates the values. */
  static Map<String, String> query(String resource) {
    Map<String, String> result = new HashMap<>();
    int start = resource.indexOf('?');
    if (start < 0) {
      return result;
    }
    for (String pair : resource.substring(start + 1).split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        result.putIfAbsent(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
      }
    }
    return result;
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return s; // a broken %-escape: keep it as it came, the hub answers the bad value
    }
  }

  /** The command line: {@code java -cp examples/target/qingliao-examples.jar io.qingliao.examples.Hello}. */
  @Command(name = "hello", mixinStandardHelpOptions = true,
      description = "The original 轻聊 demo: greets each connection with 嗨嗨, logs what it receives, "
          + "and relays chat between clients with chat-core's Hub.")
  static final class Options implements Callable<Integer> {
    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "0.0.0.0", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8000", description = "WebSocket port (default: ${DEFAULT-VALUE}).")
    int port;

    @Override
    public Integer call() throws Exception {
      Hello server = new Hello(new InetSocketAddress(host, port), System.out).startAndWait();
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        server.close();
        stopped.countDown();
      }, "hello-shutdown"));
      System.out.printf("Hello listening on ws://%s:%d (Ctrl-C stops it)%n", host, server.port());
      stopped.await();
      return 0;
    }
  }

  public static void main(String[] args) {
    int exit = new CommandLine(new Options()).execute(args);
    if (exit != 0) {
      System.exit(exit);
    }
  }
}
