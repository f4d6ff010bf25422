package io.qingliao.client.internal.wx;

import java.util.LinkedHashMap;
import java.util.Map;
import okhttp3.Headers;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okio.ByteString;

/**
 * OkHttp's side of one socket. Runs on OkHttp's threads: it answers the server's close frame at
 * once (a protocol duty that must not wait for a delayed inbox) and queues everything else for
 * the callback thread, where {@link RealSocketTask} turns it into wx events.
 */
final class SocketEvents extends WebSocketListener {
  private final RealSocketTask task;
  private final Inbox inbox;

  SocketEvents(RealSocketTask task, Inbox inbox) {
    this.task = task;
    this.inbox = inbox;
  }

  @Override
  public void onOpen(WebSocket ws, Response response) {
    Map<String, String> header = headerMap(response.headers());
    inbox.post(() -> task.opened(header));
  }

  @Override
  public void onMessage(WebSocket ws, String text) {
    inbox.post(() -> task.message(text));
  }

  @Override
  public void onMessage(WebSocket ws, ByteString bytes) {
    byte[] data = bytes.toByteArray();
    inbox.post(() -> task.message(data));
  }

  @Override
  public void onClosing(WebSocket ws, int code, String reason) {
    task.serverClosed(code, reason);
    ws.close(echoCode(code), null); // answer the server's close, as browsers do
    inbox.post(task::closing);
  }

  @Override
  public void onClosed(WebSocket ws, int code, String reason) {
    task.socketGone();
    inbox.post(() -> task.finish(code, reason));
  }

  @Override
  public void onFailure(WebSocket ws, Throwable t, Response response) {
    task.socketGone();
    inbox.post(() -> task.failed(t));
  }

  /** The code to answer a server's close with: its own where OkHttp may send it, else 1000. */
  static int echoCode(int code) {
    boolean sendable = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014)
        || (code >= 3000 && code <= 4999);
    return sendable ? code : 1000;
  }

  /** Response headers as wx gives them: one entry per name, repeated values joined. */
  static Map<String, String> headerMap(Headers headers) {
    Map<String, String> map = new LinkedHashMap<>();
    for (String name : headers.names()) {
      map.put(name, String.join(", ", headers.values(name)));
    }
    return map;
  }
}
