package io.qingliao.client.internal.chat;

import io.qingliao.client.ChatClient;
import io.qingliao.client.ChatListener;
import io.qingliao.client.ConnectionListener;
import io.qingliao.core.RoomName;
import io.qingliao.core.ServerEvent;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls a client's listeners, one batch of calls at a time and never under the client's state
 * lock. A listener that throws is logged and does not stop the others or the client.
 */
final class Delivery {
  private static final Logger log = LoggerFactory.getLogger(Delivery.class);

  private final ChatClient client;
  private final List<ChatListener> listeners;
  private final List<ConnectionListener> connectionListeners;
  private final Object order = new Object();
  private final ThreadLocal<Boolean> inCallback = new ThreadLocal<>();

  Delivery(ChatClient client, List<ChatListener> listeners, List<ConnectionListener> connectionListeners) {
    this.client = client;
    this.listeners = List.copyOf(listeners);
    this.connectionListeners = List.copyOf(connectionListeners);
  }

  /** Runs {@code effects} (listener calls, future completions) in order, as one batch. */
  void run(List<Runnable> effects) {
    if (effects.isEmpty()) {
      return;
    }
    synchronized (order) {
      boolean outer = inCallback.get() == null;
      inCallback.set(Boolean.TRUE);
      try {
        for (Runnable effect : effects) {
          try {
            effect.run();
          } catch (RuntimeException e) {
            log.warn("a chat client callback threw", e);
          }
        }
      } finally {
        if (outer) {
          inCallback.remove();
        }
      }
    }
  }

  /** True while this thread runs one of this client's callbacks. */
  boolean inCallback() {
    return inCallback.get() != null;
  }

  void event(ServerEvent event) {
    each(listeners, listener -> listener.onEvent(client, event));
  }

  void missed(RoomName room, long from, long to) {
    each(listeners, listener -> listener.onMessagesMissed(client, room, from, to));
  }

  void binary(byte[] data) {
    each(listeners, listener -> listener.onBinary(client, data.clone()));
  }

  void connecting(int attempt) {
    each(connectionListeners, listener -> listener.onConnecting(client, attempt));
  }

  void open(ServerEvent.Welcome welcome) {
    each(connectionListeners, listener -> listener.onOpen(client, welcome));
  }

  void reconnecting(Duration delay, Throwable cause) {
    each(connectionListeners, listener -> listener.onReconnecting(client, delay, cause));
  }

  void closed(int code, String reason) {
    each(connectionListeners, listener -> listener.onClosed(client, code, reason));
  }

  private static <L> void each(List<L> targets, Consumer<L> call) {
    for (L target : targets) {
      try {
        call.accept(target);
      } catch (RuntimeException e) {
        log.warn("a chat client listener threw", e);
      }
    }
  }
}
