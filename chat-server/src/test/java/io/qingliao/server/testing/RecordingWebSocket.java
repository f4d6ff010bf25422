package io.qingliao.server.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okio.ByteString;

/**
 * A real WebSocket client (OkHttp) that records what happens into a queue, for tests to consume
 * in order: {@code awaitJson("welcome")}, {@code awaitClose(4001)}, {@code assertNoMessage(…)}.
 * Waits fail after {@link #TIMEOUT}. One OkHttp client is shared by every instance.
 */
public final class RecordingWebSocket implements AutoCloseable {
  public static final Duration TIMEOUT = Duration.ofSeconds(5);

  private static final OkHttpClient CLIENT = newClient();

  /** What happened on the socket. */
  public sealed interface Event permits Open, Text, Binary, Closing, Closed, Failure {}

  public record Open(Response response) implements Event {}

  public record Text(String text) implements Event {}

  public record Binary(ByteString bytes) implements Event {}

  /** The server's close frame arrived. */
  public record Closing(int code, String reason) implements Event {}

  public record Closed(int code, String reason) implements Event {}

  /** The handshake or the connection failed; {@code status} is the HTTP status, or -1. */
  public record Failure(Throwable cause, int status) implements Event {}

  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  /** Events an await skipped over; later awaits look here first, in arrival order. */
  private final List<Event> skipped = new ArrayList<>();
  private final WebSocket socket;

  private RecordingWebSocket(Request request) {
    this.socket = CLIENT.newWebSocket(request, new Listener());
  }

  /** Connects to {@code ws://127.0.0.1:port} + {@code pathAndQuery}. */
  public static RecordingWebSocket connect(int port, String pathAndQuery) {
    return connect(port, pathAndQuery, Map.of());
  }

  public static RecordingWebSocket connect(int port, String pathAndQuery, Map<String, String> headers) {
    Request.Builder request = new Request.Builder().url("http://127.0.0.1:" + port + pathAndQuery);
    headers.forEach(request::header);
    return new RecordingWebSocket(request.build());
  }

  /** Connects and waits for the {@code welcome} (and returns it). */
  public static RecordingWebSocket open(int port, String pathAndQuery) {
    RecordingWebSocket ws = connect(port, pathAndQuery);
    ws.awaitJson("welcome");
    return ws;
  }

  public RecordingWebSocket send(String text) {
    assertThat(socket.send(text)).as("send accepted").isTrue();
    return this;
  }

  public RecordingWebSocket send(JsonObject request) {
    return send(request.toString());
  }

  public RecordingWebSocket send(ByteString bytes) {
    assertThat(socket.send(bytes)).as("send accepted").isTrue();
    return this;
  }

  /** The next event of any kind. */
  public Event next() {
    return next(TIMEOUT);
  }

  public Event next(Duration timeout) {
    try {
      Event event = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (event == null) {
        fail("no event within " + timeout);
      }
      return event;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** The next JSON frame of {@code type}, skipping frames of other types. */
  public JsonObject awaitJson(String type) {
    return awaitJsonOfAny(type);
  }

  /**
   * The first JSON frame whose type is one of {@code types}. Frames of other types stay
   * available to later awaits (the protocol does not order an ack against its broadcast).
   */
  public JsonObject awaitJsonOfAny(String... types) {
    List<String> wanted = List.of(types);
    Event event = await(e -> e instanceof Text t && wanted.contains(typeOf(t)), wanted.toString(), TIMEOUT);
    return JsonParser.parseString(((Text) event).text()).getAsJsonObject();
  }

  /**
   * The first event that matches; events before it that do not match are kept for later awaits.
   * Fails on a close or failure, unless that is what is awaited.
   */
  private Event await(Predicate<Event> matches, String what, Duration timeout) {
    for (Iterator<Event> it = skipped.iterator(); it.hasNext(); ) {
      Event event = it.next();
      if (matches.test(event)) {
        it.remove();
        return event;
      }
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Event event = next(remaining(deadline, what));
      if (matches.test(event)) {
        return event;
      }
      if (event instanceof Closing || event instanceof Closed || event instanceof Failure) {
        fail("expected " + what + " but got " + event + " (skipped before: " + skipped + ")");
      }
      if (!(event instanceof Open)) {
        skipped.add(event);
      }
    }
  }

  private static String typeOf(Text text) {
    try {
      return JsonParser.parseString(text.text()).getAsJsonObject().get("type").getAsString();
    } catch (RuntimeException notJson) {
      return "";
    }
  }

  /** The next error frame, which must carry {@code code}. */
  public JsonObject awaitError(String code) {
    JsonObject error = awaitJson("error");
    assertThat(error.get("code").getAsString()).as("error code of " + error).isEqualTo(code);
    return error;
  }

  /** The first text frame not yet consumed, whatever it holds. */
  public String awaitText() {
    return ((Text) await(e -> e instanceof Text, "a text frame", TIMEOUT)).text();
  }

  public ByteString awaitBinary() {
    return ((Binary) await(e -> e instanceof Binary, "a binary frame", TIMEOUT)).bytes();
  }

  /** Waits for the server's close frame (skipping messages) and returns it; it must carry {@code code}. */
  public Closing awaitClose(int code) {
    return awaitClose(code, TIMEOUT);
  }

  public Closing awaitClose(int code, Duration timeout) {
    Closing closing = (Closing) await(e -> e instanceof Closing, "close " + code, timeout);
    assertThat(closing.code()).as("close code (reason '" + closing.reason() + "')").isEqualTo(code);
    return closing;
  }

  /** Waits for the handshake to fail and returns the HTTP status the server answered. */
  public int awaitRefusal() {
    Event event = next();
    if (event instanceof Failure f) {
      return f.status();
    }
    throw new AssertionError("expected the handshake to fail but got " + event);
  }

  /** Asserts that no message, close or failure arrives for {@code quiet} (the open is not a message). */
  public void assertNoMessage(Duration quiet) {
    long deadline = System.nanoTime() + quiet.toNanos();
    try {
      long left;
      while ((left = deadline - System.nanoTime()) > 0) {
        Event event = events.poll(left, TimeUnit.NANOSECONDS);
        if (event != null && !(event instanceof Open)) {
          fail("unexpected event: " + event);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Override
  public void close() {
    socket.cancel();
  }

  /** Sends a normal close (1000) and leaves the connection to end. */
  public void closeNormally() {
    socket.close(1000, null);
  }

  private static Duration remaining(long deadline, String what) {
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      fail("timed out waiting for " + what);
    }
    return Duration.ofNanos(left);
  }

  private static OkHttpClient newClient() {
    OkHttpClient client = new OkHttpClient.Builder()
        .readTimeout(Duration.ZERO)
        .build();
    // A WebSocket holds a dispatcher slot for its whole life; tests open many to one host.
    client.dispatcher().setMaxRequests(10_000);
    client.dispatcher().setMaxRequestsPerHost(10_000);
    return client;
  }

  private final class Listener extends WebSocketListener {
    @Override
    public void onOpen(WebSocket webSocket, Response response) {
      events.add(new Open(response));
    }

    @Override
    public void onMessage(WebSocket webSocket, String text) {
      events.add(new Text(text));
    }

    @Override
    public void onMessage(WebSocket webSocket, ByteString bytes) {
      events.add(new Binary(bytes));
    }

    @Override
    public void onClosing(WebSocket webSocket, int code, String reason) {
      events.add(new Closing(code, reason));
      webSocket.close(code == 1005 ? 1000 : code, null);
    }

    @Override
    public void onClosed(WebSocket webSocket, int code, String reason) {
      events.add(new Closed(code, reason));
    }

    @Override
    public void onFailure(WebSocket webSocket, Throwable t, Response response) {
      events.add(new Failure(t, response == null ? -1 : response.code()));
    }
  }
}
