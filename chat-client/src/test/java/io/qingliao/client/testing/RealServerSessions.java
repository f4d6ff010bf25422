package io.qingliao.client.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.qingliao.core.HubListener;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The real server's own view of its sessions, registered with
 * {@code ChatServer.builder().listener(...)}: which sessions the hub closed, with the close code
 * the server reported (1006 when the TCP connection just ended). After a clean close handshake
 * the server usually reports 1000 but was seen reporting 1006 now and then, so tests pin the code
 * only for a dropped connection.
 */
public final class RealServerSessions implements HubListener {
  /** A session the hub closed. */
  public record Closed(String nick, int code) {
  }

  private static final Duration WAIT = RealServerPhone.PATIENCE;

  private final BlockingQueue<Closed> closed = new LinkedBlockingQueue<>();

  @Override
  public void sessionClosed(String sessionId, String nick, int code) {
    closed.add(new Closed(nick, code));
  }

  /** The next session the server closed; fails when none closes within {@link RealServerPhone#PATIENCE}. */
  public Closed nextClosed() {
    try {
      Closed c = closed.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      if (c == null) {
        throw new AssertionError("the server closed no session within " + WAIT);
      }
      return c;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** No session closes within {@code quiet}. */
  public void assertNoneClosed(Duration quiet) {
    try {
      assertThat(closed.poll(quiet.toMillis(), TimeUnit.MILLISECONDS)).as("unexpected close").isNull();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
