package io.qingliao.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.qingliao.core.ChatMessage;
import io.qingliao.core.CloseCodes;
import io.qingliao.core.ConnectRequest;
import io.qingliao.core.ErrorCode;
import io.qingliao.core.Hub;
import io.qingliao.core.InMemoryMessageStore;
import io.qingliao.core.OutputFormat;
import io.qingliao.core.RoomName;
import io.qingliao.server.internal.metrics.ServerMetrics;
import io.qingliao.server.testing.NoLeakedThreads;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoLeakedThreads.class)
@Timeout(10)
class ServerMetricsTest {

  @Test
  void countsWhatTheTransportAndTheHubReport() {
    ServerMetrics metrics = new ServerMetrics(() -> null);
    metrics.connectionOpened();
    metrics.connectionOpened();
    metrics.connectionClosed();
    metrics.connectionRefused("origin");
    metrics.connectionRefused("origin");
    metrics.framesOut(3, 300);
    metrics.framesOut(1, 20);
    metrics.dropped("idle");
    metrics.sessionDropped("s1", CloseCodes.SLOW_CONSUMER, "slow consumer");
    metrics.sessionDropped("s2", CloseCodes.POLICY_VIOLATION, "rate limited");
    metrics.errorSent("s1", ErrorCode.BAD_REQUEST);
    metrics.errorSent("s1", ErrorCode.BAD_REQUEST);
    metrics.errorSent("s2", ErrorCode.TOO_LONG);
    metrics.frameReceived("s1", 42);
    metrics.chatDelivered(new ChatMessage("id", new RoomName("大厅"), 1, "a", "b", 1L, null), 5);
    metrics.storeAppendCompleted(2_000_000, true);
    metrics.storeAppendCompleted(2_000_000_000L, false);

    String scrape = metrics.scrape();
    assertThat(scrape)
        .contains("qingliao_connections 1.0")
        .contains("qingliao_connections_refused_total{reason=\"origin\"} 2.0")
        .contains("qingliao_connections_refused_total{reason=\"max_connections\"} 0.0")
        .contains("qingliao_messages_out_total 4.0")
        .contains("qingliao_bytes_out_total 320.0")
        .contains("qingliao_drops_total{reason=\"idle\"} 1.0")
        .contains("qingliao_drops_total{reason=\"slow_consumer\"} 1.0")
        .contains("qingliao_drops_total{reason=\"rate_limited\"} 1.0")
        .contains("qingliao_errors_total{code=\"bad_request\"} 2.0")
        .contains("qingliao_errors_total{code=\"too_long\"} 1.0")
        .contains("qingliao_errors_total{code=\"server_busy\"} 0.0")
        .contains("qingliao_frames_in_total 1.0")
        .contains("qingliao_bytes_in_total 42.0")
        .contains("qingliao_messages_in_total 1.0")
        .contains("qingliao_chat_deliveries_total 5.0")
        .contains("qingliao_store_append_seconds_bucket{result=\"ok\",le=\"0.001\"} 0")
        .contains("qingliao_store_append_seconds_bucket{result=\"ok\",le=\"0.0025\"} 1")
        .contains("qingliao_store_append_seconds_count{result=\"failed\"} 1")
        .contains("# TYPE qingliao_store_append_seconds histogram");
  }

  @Test
  void everySampleIsNamedWithThePrefix() {
    ServerMetrics metrics = new ServerMetrics(() -> null);
    metrics.connectionOpened();
    String[] samples = Arrays.stream(metrics.scrape().split("\n"))
        .filter(line -> !line.isEmpty() && !line.startsWith("#"))
        .toArray(String[]::new);
    assertThat(samples).isNotEmpty().allMatch(line -> line.startsWith("qingliao_"));
  }

  @Test
  void eachInstanceHasItsOwnRegistry() {
    ServerMetrics first = new ServerMetrics(() -> null);
    ServerMetrics second = new ServerMetrics(() -> null);
    first.connectionOpened();
    first.framesOut(7, 70);
    assertThat(first.scrape()).contains("qingliao_messages_out_total 7.0");
    assertThat(second.scrape()).contains("qingliao_messages_out_total 0.0").contains("qingliao_connections 0.0");
  }

  @Test
  void gaugesReadTheHubWhenScraped() {
    Hub[] ref = new Hub[1];
    ServerMetrics metrics = new ServerMetrics(() -> ref[0]);
    assertThat(metrics.scrape()).doesNotContain("qingliao_sessions ").doesNotContain("qingliao_rooms ");

    try (Hub hub = Hub.builder().store(new InMemoryMessageStore(100)).listener(metrics).build()) {
      ref[0] = hub;
      hub.open(new HttpFrontendTest.RecordingTransport(), new ConnectRequest("alice", "lobby", null, OutputFormat.JSON, null));
      hub.open(new HttpFrontendTest.RecordingTransport(), new ConnectRequest("bob", "大厅", null, OutputFormat.JSON, null));
      String scrape = metrics.scrape();
      assertThat(scrape).contains("qingliao_sessions 2.0").contains("qingliao_rooms 2.0");
    }
  }
}
