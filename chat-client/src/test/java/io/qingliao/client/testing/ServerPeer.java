package io.qingliao.client.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okio.ByteString;

/**
 * The server side of one WebSocket on a {@link MockWebServer}: records what it receives and,
 * like any conforming server, answers a close frame with one of its own.
 */
public final class ServerPeer extends WebSocketListener {
  /** One server-side event. */
  public record Event(String kind, Object value) {
  }

  private static final Duration WAIT = Duration.ofSeconds(5);

  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private final java.util.concurrent.CompletableFuture<WebSocket> socket =
      new java.util.concurrent.CompletableFuture<>();

  /** Enqueues a 101 upgrade on {@code server} handled by a new peer. */
  public static ServerPeer enqueue(MockWebServer server) {
    ServerPeer peer = new ServerPeer();
    server.enqueue(new MockResponse.Builder().webSocketUpgrade(peer).build());
    return peer;
  }

  /** {@code server}'s url with the ws scheme. */
  public static String wsUrl(MockWebServer server) {
    return "ws" + server.url("/").toString().substring("http".length());
  }

  @Override
  public void onOpen(WebSocket webSocket, Response response) {
    socket.complete(webSocket);
    events.add(new Event("open", response));
  }

  @Override
  public void onMessage(WebSocket webSocket, String text) {
    events.add(new Event("text", text));
  }

  @Override
  public void onMessage(WebSocket webSocket, ByteString bytes) {
    events.add(new Event("binary", bytes.toByteArray()));
  }

  @Override
  public void onClosing(WebSocket webSocket, int code, String reason) {
    events.add(new Event("closing", code + " " + reason));
    webSocket.close(code == 1005 ? 1000 : code, reason);
  }

  @Override
  public void onClosed(WebSocket webSocket, int code, String reason) {
    events.add(new Event("closed", code + " " + reason));
  }

  @Override
  public void onFailure(WebSocket webSocket, Throwable t, Response response) {
    socket.completeExceptionally(t);
    events.add(new Event("failure", t));
  }

  /** The server's end of the socket, once the handshake is done. */
  public WebSocket awaitOpen() {
    try {
      return socket.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("server socket did not open", e);
    }
  }

  public Event next() {
    try {
      Event e = events.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      if (e == null) {
        fail("no server event within " + WAIT);
      }
      return e;
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  public Event next(String kind) {
    Event e = next();
    assertThat(e.kind()).as("server event %s", e).isEqualTo(kind);
    return e;
  }

  public void assertOpen() {
    next("open");
  }

  public void assertText(String text) {
    assertThat(next("text").value()).isEqualTo(text);
  }

  public void assertBinary(byte[] bytes) {
    assertThat((byte[]) next("binary").value()).containsExactly(bytes);
  }

  /** The client's close frame arrived with {@code code} and {@code reason}. */
  public void assertClosing(int code, String reason) {
    assertThat(next("closing").value()).isEqualTo(code + " " + reason);
  }

  /** The connection ended without a close frame. */
  public Throwable assertFailure() {
    return (Throwable) next("failure").value();
  }

  public void assertExhausted(Duration quiet) {
    try {
      Event e = events.poll(quiet.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(e).as("unexpected server event").isNull();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }
}
