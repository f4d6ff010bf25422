package io.qingliao.examples;

import java.net.URI;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.handshake.ServerHandshake;

/** A bare WebSocket client that records every text frame, like the original mini-program page. */
final class TextWsClient implements AutoCloseable {
  private static final long WAIT_SECONDS = 10;

  private final BlockingQueue<String> frames = new LinkedBlockingQueue<>();
  private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
  private final WebSocketClient socket;

  private TextWsClient(URI uri) {
    this.socket = new WebSocketClient(uri) {
      @Override
      public void onOpen(ServerHandshake handshake) {}

      @Override
      public void onMessage(String message) {
        frames.add(message);
      }

      @Override
      public void onClose(int code, String reason, boolean remote) {
        closeCode.complete(code);
      }

      @Override
      public void onError(Exception e) {}
    };
  }

  static TextWsClient connect(String url) throws InterruptedException {
    TextWsClient client = new TextWsClient(URI.create(url));
    if (!client.socket.connectBlocking(WAIT_SECONDS, TimeUnit.SECONDS)) {
      client.close();
      throw new AssertionError("could not connect to " + url);
    }
    return client;
  }

  void send(String text) {
    socket.send(text);
  }

  /** The next frame, failing after a few seconds without one. */
  String next() throws InterruptedException {
    String frame = frames.poll(WAIT_SECONDS, TimeUnit.SECONDS);
    if (frame == null) {
      throw new AssertionError("no frame within " + WAIT_SECONDS + " s");
    }
    return frame;
  }

  /** Skips frames up to and including the first one equal to {@code expected}. */
  void awaitFrame(String expected) throws InterruptedException {
    awaitMatching(expected::equals);
  }

  /** Skips frames up to and including the first one {@code test} accepts, and returns it. */
  String awaitMatching(Predicate<String> test) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    StringBuilder seen = new StringBuilder();
    while (true) {
      long left = deadline - System.nanoTime();
      String frame = left > 0 ? frames.poll(left, TimeUnit.NANOSECONDS) : null;
      if (frame == null) {
        throw new AssertionError("no matching frame within " + WAIT_SECONDS + " s; saw: " + seen);
      }
      if (test.test(frame)) {
        return frame;
      }
      seen.append(frame).append(" | ");
    }
  }

  /** The close code the connection ended with, waiting for it. */
  int awaitCloseCode() throws Exception {
    return closeCode.get(WAIT_SECONDS, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    try {
      socket.closeBlocking();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
