package io.qingliao.client.internal.chat;

import io.qingliao.core.RoomName;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okio.ByteString;

/**
 * One WebSocket of a {@link RealChatClient}: the URL it dialed and its OkHttp callbacks. The
 * client replaces it on every reconnect and ignores the callbacks of the ones it replaced.
 */
final class Connection extends WebSocketListener {
  private final RealChatClient client;
  final long generation;
  /** The room in the URL, joined by the server on connect, and the {@code since} sent with it. */
  final RoomName urlRoom;
  final Long urlSince;
  /** The client had left every room: leave the URL room again once open. */
  final boolean leaveUrlRoom;
  private final CompletableFuture<Void> terminated = new CompletableFuture<>();

  // Guarded by the client's lock.
  WebSocket socket;
  boolean open;
  ScheduledFuture<?> heartbeat;
  ScheduledFuture<?> welcomeTimer;

  Connection(RealChatClient client, long generation, RoomName urlRoom, Long urlSince, boolean leaveUrlRoom) {
    this.client = client;
    this.generation = generation;
    this.urlRoom = urlRoom;
    this.urlSince = urlSince;
    this.leaveUrlRoom = leaveUrlRoom;
  }

  void start(OkHttpClient http, HttpUrl base, String nick, String token) {
    HttpUrl.Builder url = base.newBuilder()
        .setQueryParameter("room", urlRoom.value())
        .setQueryParameter("format", "json");
    if (nick != null) {
      url.setQueryParameter("nick", nick);
    }
    if (urlSince != null) {
      url.setQueryParameter("since", Long.toString(urlSince));
    }
    Request.Builder request = new Request.Builder().url(url.build());
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    socket = http.newWebSocket(request.build(), this);
  }

  /** Stops the timers; the socket is left to finish its close handshake. */
  void stop() {
    open = false;
    if (heartbeat != null) {
      heartbeat.cancel(false);
    }
    if (welcomeTimer != null) {
      welcomeTimer.cancel(false);
    }
  }

  /** Starts the close handshake with 1000; if the socket is already going, cuts it. */
  void closeGracefully() {
    stop();
    if (!socket.close(1000, "client closed")) {
      socket.cancel();
    }
  }

  /** Waits up to {@code timeout} for OkHttp's last callback, then cuts the socket. */
  void awaitTerminated(Duration timeout) {
    try {
      terminated.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException | ExecutionException e) {
      socket.cancel();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      socket.cancel();
    }
  }

  /** Runs {@code action} after OkHttp's last callback for this socket (at once if it came). */
  void afterTerminated(Runnable action) {
    terminated.thenRun(action);
  }

  @Override
  public void onMessage(WebSocket webSocket, String text) {
    client.onText(this, text);
  }

  @Override
  public void onMessage(WebSocket webSocket, ByteString bytes) {
    client.onBinary(this, bytes.toByteArray());
  }

  @Override
  public void onClosing(WebSocket webSocket, int code, String reason) {
    webSocket.close(1000, null);
    client.onDrop(this, code, reason, null);
  }

  @Override
  public void onClosed(WebSocket webSocket, int code, String reason) {
    terminated.complete(null);
    client.onDrop(this, code, reason, null);
  }

  @Override
  public void onFailure(WebSocket webSocket, Throwable t, Response response) {
    terminated.complete(null);
    int code = response != null ? response.code() : -1;
    if (response != null) {
      response.close();
    }
    client.onDrop(this, code, String.valueOf(t.getMessage()), t);
  }
}
