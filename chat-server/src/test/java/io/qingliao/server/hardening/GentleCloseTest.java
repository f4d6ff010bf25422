package io.qingliao.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.qingliao.server.ChatServer;
import io.qingliao.server.testing.NoLeakedThreads;
import io.qingliao.server.testing.TestServers;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * When the server ends a connection while its client is still sending, the client reads the
 * close frame and then an orderly end of the stream, not a reset (which would make it report
 * 1006 instead of the reason); a client that floods on after the close is still cut.
 */
@Timeout(30)
@ExtendWith(NoLeakedThreads.class)
class GentleCloseTest {
  private final List<HostileSocket> open = new ArrayList<>();
  private ChatServer server;

  @AfterEach
  void tearDown() throws IOException {
    for (HostileSocket s : open) {
      s.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aClientStillSendingAMessageOverTheLimitReadsTheCloseFrameAndAnOrderlyEnd() throws Exception {
    server = TestServers.memory().build().start();
    HostileSocket client = HostileSocket.upgraded(server.wsPort(), "/?nick=big");
    open.add(client);
    client.awaitJson("joined");
    byte[] frame = HostileSocket.frame(HostileSocket.BINARY, true, new byte[200_000]);

    // The header says 200,000 bytes: the server refuses the frame from its header alone.
    client.write(Arrays.copyOf(frame, 8 * 1024));
    assertThat(client.awaitCloseCode()).isEqualTo(1009);
    // As a browser's send() would, the client goes on with the frame it had started.
    for (int offset = 8 * 1024; offset < frame.length; offset += 16 * 1024) {
      client.write(Arrays.copyOfRange(frame, offset, Math.min(frame.length, offset + 16 * 1024)));
      Thread.sleep(2);
    }

    client.awaitOrderlyEnd(Duration.ofSeconds(5));
  }

  @Test
  void aClientThatFloodsOnAfterTheCloseIsCutAfterTheDrainLimit() throws Exception {
    server = TestServers.memory().build().start();
    // A fixed send buffer: what the client manages to write is what the server took, give or
    // take 64 KiB and the server's receive window.
    HostileSocket client = HostileSocket.upgradedWithSendBuffer(server.wsPort(), "/?nick=flood", 64 * 1024);
    open.add(client);
    client.awaitJson("joined");
    byte[] header = Arrays.copyOf(HostileSocket.frame(HostileSocket.BINARY, true, new byte[200_000]), 8 * 1024);
    client.write(header);
    assertThat(client.awaitCloseCode()).isEqualTo(1009);

    byte[] chunk = new byte[16 * 1024];
    long[] written = {0};
    assertThatThrownBy(() -> {
      while (written[0] < 64L << 20) {
        client.write(chunk);
        written[0] += chunk.length;
      }
    }).as("the server cuts a client that sends on and on after the close").isInstanceOf(IOException.class);
    assertThat(written[0]).isLessThan(4L << 20);
  }
}
