package io.qingliao.examples.web;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A protocol client on the JDK's own WebSocket (java.net.http), for driving the page's peers. */
final class PlainWsClient implements AutoCloseable {

  private final HttpClient http = HttpClient.newHttpClient();
  private final BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
  private final WebSocket socket;
  private int cids;

  PlainWsClient(int wsPort, String nick, String room) throws Exception {
    URI uri = URI.create("ws://127.0.0.1:" + wsPort + "/?format=json&nick=" + encode(nick) + "&room=" + encode(room));
    this.socket = http.newWebSocketBuilder()
        .connectTimeout(Duration.ofSeconds(10))
        .buildAsync(uri, new Collector())
        .get(15, TimeUnit.SECONDS);
  }

  /** Sends a chat message and waits for its ack (it is stored then). */
  JsonObject chat(String room, String text) throws Exception {
    String cid = "plain-" + (++cids);
    JsonObject frame = new JsonObject();
    frame.addProperty("type", "chat");
    frame.addProperty("room", room);
    frame.addProperty("text", text);
    frame.addProperty("cid", cid);
    socket.sendText(frame.toString(), true).get(10, TimeUnit.SECONDS);
    return await(f -> "ack".equals(type(f)) && cid.equals(string(f, "cid")), "ack of " + text);
  }

  /** Waits for a frame matching the test, dropping the frames before it. */
  JsonObject await(Predicate<JsonObject> test, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (true) {
      long left = deadline - System.nanoTime();
      JsonObject frame = left > 0 ? frames.poll(left, TimeUnit.NANOSECONDS) : null;
      if (frame == null) {
        throw new AssertionError("plain client: no " + what + " within 15 s");
      }
      if (test.test(frame)) {
        return frame;
      }
    }
  }

  static String type(JsonObject frame) {
    return string(frame, "type");
  }

  static String string(JsonObject frame, String field) {
    return frame.has(field) && frame.get(field).isJsonPrimitive() ? frame.get(field).getAsString() : null;
  }

  @Override
  public void close() {
    try {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      socket.abort();
    }
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private final class Collector implements WebSocket.Listener {
    private final StringBuilder partial = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        frames.add(JsonParser.parseString(partial.toString()).getAsJsonObject());
        partial.setLength(0);
      }
      webSocket.request(1);
      return null;
    }
  }
}
