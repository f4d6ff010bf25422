package io.qingliao.client.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.qingliao.client.ConnectSocketOptions;
import io.qingliao.client.MessageResult;
import io.qingliao.client.OpenResult;
import io.qingliao.client.SocketTask;
import io.qingliao.client.Wx;
import io.qingliao.core.Decoded;
import io.qingliao.core.ProtocolCodec;
import io.qingliao.core.ServerEvent;
import java.util.Objects;

/**
 * One "phone" of a test against the real chat server: a {@link Wx} runtime and the socket its
 * page opened last, with everything that socket delivered recorded in order. The page's JSON
 * frames are decoded with the protocol's own codec, so a test reads typed events.
 */
public final class RealServerPhone implements AutoCloseable {
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
   * {@code wx.connectSocket({url, success, complete})} with the four listeners attached right
   * after, as a page does; waits for {@code connectSocket:ok} and then {@code onOpen}.
   */
  public OpenResult connect(String url) {
    TaskRecorder rec = new TaskRecorder();
    SocketTask t = wx.connectSocket(ConnectSocketOptions.builder().url(url)
        .success(rec.success()).fail(rec.fail()).complete(rec.complete()).build());
    rec.listen(t);
    this.task = t;
    this.recorder = rec;
    rec.assertSuccess("connectSocket:ok");
    return rec.assertOpen();
  }

  /** The next event must be a text message holding a JSON server event; returns it decoded. */
  public ServerEvent nextEvent() {
    MessageResult m = recorder.assertMessage();
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
  public void assertText(String text) {
    recorder.assertText(text);
  }

  /** Closes the runtime: every socket is cancelled and its threads end. */
  @Override
  public void close() {
    wx.close();
  }
}
