package io.qingliao.client.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.qingliao.client.CallbackResult;
import io.qingliao.client.CloseResult;
import io.qingliao.client.ErrorResult;
import io.qingliao.client.MessageResult;
import io.qingliao.client.OpenResult;
import io.qingliao.client.SocketTask;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Records what a mini-program page would see, callbacks and listener events alike, into one
 * queue in the order the callback thread delivered them; tests then take them one by one.
 */
public final class TaskRecorder {
  /** One delivered callback: its kind ("open", "success", ...), its value and its thread. */
  public record Event(String kind, Object value, String thread) {
  }

  // Generous: the first connection in a cold test JVM on a busy 2-core machine can take seconds.
  private static final Duration WAIT = Duration.ofSeconds(15);

  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private final Set<String> threads = java.util.Collections.synchronizedSet(new LinkedHashSet<>());

  /** A recorder with the four listeners of {@code task} attached. */
  public static TaskRecorder attach(SocketTask task) {
    TaskRecorder r = new TaskRecorder();
    r.listen(task);
    return r;
  }

  /** Attaches the four listeners of {@code task} to this recorder. */
  public TaskRecorder listen(SocketTask task) {
    task.onOpen(recorder("open"));
    task.onMessage(recorder("message"));
    task.onError(recorder("error"));
    task.onClose(recorder("close"));
    return this;
  }

  public Consumer<CallbackResult> success() {
    return recorder("success");
  }

  public Consumer<CallbackResult> fail() {
    return recorder("fail");
  }

  public Consumer<CallbackResult> complete() {
    return recorder("complete");
  }

  /** A listener that records its values under {@code kind}. */
  public <T> Consumer<T> recorder(String kind) {
    return value -> {
      threads.add(Thread.currentThread().getName());
      events.add(new Event(kind, value, Thread.currentThread().getName()));
    };
  }

  public Event next() {
    try {
      Event e = events.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      if (e == null) {
        throw new AssertionError("no event within " + WAIT);
      }
      return e;
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  public Event next(String kind) {
    Event e = next();
    assertThat(e.kind()).as("event %s", e).isEqualTo(kind);
    return e;
  }

  public OpenResult assertOpen() {
    return (OpenResult) next("open").value();
  }

  public MessageResult assertMessage() {
    return (MessageResult) next("message").value();
  }

  public void assertText(String text) {
    MessageResult m = assertMessage();
    assertThat(m.data()).isInstanceOf(String.class).isEqualTo(text);
  }

  public void assertBinary(byte[] bytes) {
    MessageResult m = assertMessage();
    assertThat(m.data()).isInstanceOf(byte[].class);
    assertThat((byte[]) m.data()).containsExactly(bytes);
  }

  public ErrorResult assertError() {
    return (ErrorResult) next("error").value();
  }

  public void assertError(String errMsg) {
    assertThat(assertError().errMsg()).isEqualTo(errMsg);
  }

  public CloseResult assertClose() {
    return (CloseResult) next("close").value();
  }

  public void assertClose(int code, String reason) {
    assertThat(assertClose()).isEqualTo(new CloseResult(code, reason));
  }

  /** success then complete, both with {@code errMsg}. */
  public void assertSuccess(String errMsg) {
    assertThat(((CallbackResult) next("success").value()).errMsg()).isEqualTo(errMsg);
    assertThat(((CallbackResult) next("complete").value()).errMsg()).isEqualTo(errMsg);
  }

  /** fail then complete, both with {@code errMsg}. */
  public void assertFail(String errMsg) {
    assertThat(((CallbackResult) next("fail").value()).errMsg()).isEqualTo(errMsg);
    assertThat(((CallbackResult) next("complete").value()).errMsg()).isEqualTo(errMsg);
  }

  /** Nothing more arrives within {@code quiet}. */
  public void assertExhausted(Duration quiet) {
    try {
      Event e = events.poll(quiet.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(e).as("unexpected event").isNull();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  /** Names of the threads that delivered events so far. */
  public Set<String> threads() {
    synchronized (threads) {
      return Set.copyOf(threads);
    }
  }
}
