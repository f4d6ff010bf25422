package io.qingliao.client.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.qingliao.client.CallbackResult;
import io.qingliao.client.CloseResult;
import io.qingliao.client.ConnectSocketOptions;
import io.qingliao.client.ErrorResult;
import io.qingliao.client.MessageResult;
import io.qingliao.client.OpenResult;
import io.qingliao.client.SocketTask;
import io.qingliao.client.Wx;
import io.qingliao.core.Decoded;
import io.qingliao.core.ProtocolCodec;
import io.qingliao.core.ServerEvent;
import java.time.Duration;
import java.util.Objects;

/**
 * One "phone" of a test against the real chat server: a {@link Wx} runtime and the socket its
 * page opened last, with everything that socket delivered recorded in order by a
 * {@link TaskRecorder}. The page's JSON frames are decoded with the protocol's own codec, so a
 * test reads typed events.
 *
 * <p>The static {@code expect*} methods take the next event of any recorder like its
 * {@code assert*} methods, but wait up to {@link #PATIENCE} instead of the recorder's 5 s: the
 * first frames of a cold JVM through a real server (class loading on both sides) can take
 * seconds on a busy shared machine. Nothing waits longer than needed.
 */
public final class RealServerPhone implements AutoCloseable {
  /** How long an event may take to arrive. */
  public static final Duration PATIENCE = Duration.ofSeconds(15);

  private final Wx wx;
  private SocketTask task;
  private TaskRecorder recorder;

  public RealServerPhone(Wx wx) {
    this.wx = Objects.requireNonNull(wx, "wx");
  }

  public Wx wx() {
    return wx;
  }

  /** The socket of the last {@link #connect}. */
  public SocketTask task() {
    return task;
  }

  /** What the socket of the last {@link #connect} delivered, in order. */
  public TaskRecorder recorder() {
    return recorder;
  }

  /**
   * {@code wx.connectSocket({url, success, fail, complete})} with the four listeners attached
   * right after, as a page does; waits for {@code connectSocket:ok} and then {@code onOpen}.
   */
  public OpenResult connect(String url) {
    TaskRecorder rec = new TaskRecorder();
    SocketTask t = wx.connectSocket(ConnectSocketOptions.builder().url(url)
        .success(rec.success()).fail(rec.fail()).complete(rec.complete()).build());
    rec.listen(t);
    this.task = t;
    this.recorder = rec;
    expectSuccess(rec, "connectSocket:ok");
    return expectOpen(rec);
  }

  /** The next event must be a text message holding a JSON server event; returns it decoded. */
  public ServerEvent nextEvent() {
    MessageResult m = expectMessage(recorder);
    assertThat(m.isBinary()).as("binary frame %s", m).isFalse();
    Decoded<ServerEvent> decoded = ProtocolCodec.decodeEvent(m.text());
    assertThat(decoded.error()).as("not a server event: %s", m.text()).isNull();
    return decoded.value();
  }

  /** The next event must be a JSON server event of {@code type}. */
  public <T extends ServerEvent> T next(Class<T> type) {
    ServerEvent e = nextEvent();
    assertThat(e).isInstanceOf(type);
    return type.cast(e);
  }

  /** The next event must be a text message equal to {@code text} (the legacy format). */
  public void expectText(String text) {
    expectText(recorder, text);
  }

  public CloseResult expectClose() {
    return expectClose(recorder);
  }

  public void expectError(String errMsg) {
    assertThat(expectError(recorder).errMsg()).isEqualTo(errMsg);
  }

  /** Closes the runtime: every socket is cancelled and its threads end. */
  @Override
  public void close() {
    wx.close();
  }

  // Patient versions of TaskRecorder's assertions, for any recorder. ------------------------------

  /** The next event of {@code rec}, waiting up to {@link #PATIENCE}; it must be of {@code kind}. */
  public static TaskRecorder.Event expect(TaskRecorder rec, String kind) {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (true) {
      try {
        TaskRecorder.Event e = rec.next(); // waits up to 5 s; takes nothing when it gives up
        assertThat(e.kind()).as("event %s", e).isEqualTo(kind);
        return e;
      } catch (AssertionError nothingYet) {
        if (!nothingYet.getMessage().startsWith("no event within") || System.nanoTime() > deadline) {
          throw nothingYet;
        }
      }
    }
  }

  public static OpenResult expectOpen(TaskRecorder rec) {
    return (OpenResult) expect(rec, "open").value();
  }

  public static MessageResult expectMessage(TaskRecorder rec) {
    return (MessageResult) expect(rec, "message").value();
  }

  public static void expectText(TaskRecorder rec, String text) {
    assertThat(expectMessage(rec).data()).isInstanceOf(String.class).isEqualTo(text);
  }

  public static ErrorResult expectError(TaskRecorder rec) {
    return (ErrorResult) expect(rec, "error").value();
  }

  public static CloseResult expectClose(TaskRecorder rec) {
    return (CloseResult) expect(rec, "close").value();
  }

  /** success then complete, both with {@code errMsg}. */
  public static void expectSuccess(TaskRecorder rec, String errMsg) {
    assertThat(((CallbackResult) expect(rec, "success").value()).errMsg()).isEqualTo(errMsg);
    assertThat(((CallbackResult) expect(rec, "complete").value()).errMsg()).isEqualTo(errMsg);
  }
}
