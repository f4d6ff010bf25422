package io.qingliao.core.internal;

import io.qingliao.core.ChatMessage;
import io.qingliao.core.ErrorCode;
import io.qingliao.core.HubListener;
import io.qingliao.core.RoomName;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Calls every registered {@link HubListener}; a listener that throws is logged and skipped. */
final class Listeners implements HubListener {
  private static final Logger log = LoggerFactory.getLogger(Listeners.class);
  private final List<HubListener> listeners;

  Listeners(List<HubListener> listeners) {
    this.listeners = List.copyOf(listeners);
  }

  /** True when at least one listener is registered (to skip work done only for listeners). */
  boolean any() {
    return !listeners.isEmpty();
  }

  private void each(Consumer<HubListener> call) {
    for (HubListener l : listeners) {
      try {
        call.accept(l);
      } catch (RuntimeException e) {
        log.warn("hub listener {} failed", l, e);
      }
    }
  }

  @Override
  public void sessionOpened(String sessionId, String nick) {
    each(l -> l.sessionOpened(sessionId, nick));
  }

  @Override
  public void sessionClosed(String sessionId, String nick, int code) {
    each(l -> l.sessionClosed(sessionId, nick, code));
  }

  @Override
  public void chatDelivered(ChatMessage message, int recipients) {
    each(l -> l.chatDelivered(message, recipients));
  }

  @Override
  public void frameReceived(String sessionId, int bytes) {
    each(l -> l.frameReceived(sessionId, bytes));
  }

  @Override
  public void errorSent(String sessionId, ErrorCode code) {
    each(l -> l.errorSent(sessionId, code));
  }

  @Override
  public void storeAppendCompleted(long nanos, boolean ok) {
    each(l -> l.storeAppendCompleted(nanos, ok));
  }

  @Override
  public void joined(RoomName room, String nick) {
    each(l -> l.joined(room, nick));
  }

  @Override
  public void left(RoomName room, String nick) {
    each(l -> l.left(room, nick));
  }

  @Override
  public void sessionDropped(String sessionId, int code, String reason) {
    each(l -> l.sessionDropped(sessionId, code, reason));
  }
}
