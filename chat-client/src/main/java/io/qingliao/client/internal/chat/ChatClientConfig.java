package io.qingliao.client.internal.chat;

import io.qingliao.client.ChatListener;
import io.qingliao.client.ConnectionListener;
import io.qingliao.core.RoomName;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;

/**
 * A {@code ChatClient.Builder}'s options, fixed. {@code nick}, {@code token}, {@code okHttpClient},
 * {@code scheduler} and {@code heartbeat} may be null; {@code since} is -1 when not given.
 */
public record ChatClientConfig(
    HttpUrl url,
    String nick,
    RoomName room,
    long since,
    String token,
    OkHttpClient okHttpClient,
    ScheduledExecutorService scheduler,
    Duration heartbeat,
    Duration backoffMin,
    Duration backoffMax,
    Duration connectTimeout,
    Duration requestTimeout,
    int eventLogCapacity,
    int maxQueuedRequests,
    List<ChatListener> listeners,
    List<ConnectionListener> connectionListeners) {

  public ChatClientConfig {
    listeners = List.copyOf(listeners);
    connectionListeners = List.copyOf(connectionListeners);
  }
}
