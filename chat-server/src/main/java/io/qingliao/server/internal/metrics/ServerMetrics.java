package io.qingliao.server.internal.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import io.qingliao.core.ChatMessage;
import io.qingliao.core.CloseCodes;
import io.qingliao.core.ErrorCode;
import io.qingliao.core.Hub;
import io.qingliao.core.HubListener;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The server's Prometheus metrics, in a registry of its own (never the static default one, so
 * two servers in one JVM do not mix their numbers). Every name starts with {@code qingliao_}.
 *
 * <p>Exemplars are off: they need tracing, which the server does not do, and would start the
 * library's scheduler thread.
 *
 * <p>Calls on the delivery path ({@link #framesOut}, {@link #chatDelivered},
 * {@link #frameReceived}) only add to pre-resolved counters. Gauges of the hub (sessions, rooms)
 * are read when scraped.
 */
public final class ServerMetrics implements HubListener {
  /** Content type of {@link #scrape()}: the Prometheus text format 0.0.4. */
  public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

  private static final double[] LATENCY_BUCKETS = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5
  };

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
  private final Supplier<Hub> hub;

  private final Gauge connections;
  private final Counter connectionsRefused;
  private final CounterDataPoint messagesIn;
  private final CounterDataPoint deliveries;
  private final CounterDataPoint messagesOut;
  private final CounterDataPoint bytesOut;
  private final CounterDataPoint framesIn;
  private final CounterDataPoint bytesIn;
  private final Counter drops;
  private final Map<ErrorCode, CounterDataPoint> errors = new EnumMap<>(ErrorCode.class);
  private final DistributionDataPoint appendOk;
  private final DistributionDataPoint appendFailed;

  /** @param hub the hub whose sessions and rooms the gauges report; may return null before it exists */
  public ServerMetrics(Supplier<Hub> hub) {
    this.hub = Objects.requireNonNull(hub, "hub");
    connections = Gauge.builder().name("qingliao_connections")
        .help("Open WebSocket connections").withoutExemplars().register(registry);
    connectionsRefused = Counter.builder().name("qingliao_connections_refused_total")
        .help("Connections refused, by reason").labelNames("reason").withoutExemplars().register(registry);
    GaugeWithCallback.builder().name("qingliao_sessions").help("Live hub sessions")
        .callback(cb -> {
          Hub current = hub.get();
          if (current != null) {
            cb.call(current.sessionCount());
          }
        })
        .register(registry);
    GaugeWithCallback.builder().name("qingliao_rooms").help("Rooms with live members or stored messages")
        .callback(cb -> {
          Hub current = hub.get();
          if (current != null) {
            try {
              cb.call(current.rooms().size());
            } catch (RuntimeException storeDown) {
              // Rooms come partly from the store; while it is down, leave the sample out
              // rather than fail the whole scrape.
            }
          }
        })
        .register(registry);
    messagesIn = Counter.builder().name("qingliao_messages_in_total")
        .help("Chat messages stored and broadcast").withoutExemplars().register(registry);
    deliveries = Counter.builder().name("qingliao_chat_deliveries_total")
        .help("Chat messages handed to local sessions (one per recipient)").withoutExemplars().register(registry);
    messagesOut = Counter.builder().name("qingliao_messages_out_total")
        .help("Frames sent to clients").withoutExemplars().register(registry);
    bytesOut = Counter.builder().name("qingliao_bytes_out_total")
        .help("Payload bytes sent to clients").withoutExemplars().register(registry);
    framesIn = Counter.builder().name("qingliao_frames_in_total")
        .help("Frames received from clients").withoutExemplars().register(registry);
    bytesIn = Counter.builder().name("qingliao_bytes_in_total")
        .help("Payload bytes received from clients").withoutExemplars().register(registry);
    drops = Counter.builder().name("qingliao_drops_total")
        .help("Connections dropped by the server, by reason").labelNames("reason").withoutExemplars().register(registry);
    // Known label values start at 0, so that rate() works from the first event on.
    for (String reason : new String[] {"origin", "max_connections", "unauthorized"}) {
      connectionsRefused.labelValues(reason);
    }
    for (String reason : new String[] {"slow_consumer", "rate_limited", "idle"}) {
      drops.labelValues(reason);
    }
    Counter errorCounter = Counter.builder().name("qingliao_errors_total")
        .help("Protocol errors sent to clients, by code").labelNames("code").withoutExemplars().register(registry);
    for (ErrorCode code : ErrorCode.values()) {
      errors.put(code, errorCounter.labelValues(code.wire()));
    }
    Histogram appendLatency = Histogram.builder().name("qingliao_store_append_seconds").unit(Unit.SECONDS)
        .help("Store append latency, from append to durable, by result").labelNames("result")
        .classicOnly().classicUpperBounds(LATENCY_BUCKETS).withoutExemplars().register(registry);
    appendOk = appendLatency.labelValues("ok");
    appendFailed = appendLatency.labelValues("failed");
  }

  public void connectionOpened() {
    connections.inc();
  }

  public void connectionClosed() {
    connections.dec();
  }

  /** A connection refused at the handshake: "origin", "max_connections", "unauthorized". */
  public void connectionRefused(String reason) {
    connectionsRefused.labelValues(reason).inc();
  }

  /** Frames and their bytes handed to one connection. */
  public void framesOut(int frames, long bytes) {
    messagesOut.inc(frames);
    bytesOut.inc(bytes);
  }

  /**
   * A connection dropped by the transport ("idle", ...). Drops the hub makes itself (rate limit,
   * slow consumer) arrive through {@link #sessionDropped} and must not be reported here too.
   */
  public void dropped(String reason) {
    drops.labelValues(reason).inc();
  }

  /** The registry's current values in the Prometheus text format. */
  public String scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
    try {
      writer.write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Override
  public void chatDelivered(ChatMessage message, int recipients) {
    messagesIn.inc();
    deliveries.inc(recipients);
  }

  @Override
  public void frameReceived(String sessionId, int bytes) {
    framesIn.inc();
    bytesIn.inc(bytes);
  }

  @Override
  public void errorSent(String sessionId, ErrorCode code) {
    errors.get(code).inc();
  }

  @Override
  public void storeAppendCompleted(long nanos, boolean ok) {
    (ok ? appendOk : appendFailed).observe(nanos / 1e9);
  }

  @Override
  public void sessionDropped(String sessionId, int code, String reason) {
    drops.labelValues(dropReason(code)).inc();
  }

  private static String dropReason(int code) {
    switch (code) {
      case CloseCodes.SLOW_CONSUMER:
        return "slow_consumer";
      case CloseCodes.POLICY_VIOLATION:
        return "rate_limited";
      case CloseCodes.IDLE:
        return "idle";
      default:
        return "other";
    }
  }
}
