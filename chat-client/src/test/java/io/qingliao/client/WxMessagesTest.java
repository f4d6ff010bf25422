package io.qingliao.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.qingliao.client.testing.TaskRecorder;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class WxMessagesTest {
  @Test
  void withersReplaceOneTextAndKeepTheRest() {
    WxMessages ios = WxMessages.defaults()
        .withCloseTaskGone("closeSocket:fail wcwss taskID not exist");
    assertThat(ios.closeTaskGone()).isEqualTo("closeSocket:fail wcwss taskID not exist");
    assertThat(ios.withCloseTaskGone(WxMessages.defaults().closeTaskGone()))
        .isEqualTo(WxMessages.defaults());
    assertThat(ios.sendTaskGone()).isEqualTo("sendSocketMessage:fail taskID not exist");
    assertThat(WxMessages.defaults().closeTaskGone()).isEqualTo("closeSocket:fail:taskID not exist");
  }

  @Test
  void errorExceptionIsAPattern() {
    assertThat(WxMessages.defaults().errorException("boom")).isEqualTo("exception boom");
    assertThat(WxMessages.defaults().withErrorException("open fail: %s").errorException("x"))
        .isEqualTo("open fail: x");
  }

  @Test
  void textsMustNotBeNull() {
    assertThatThrownBy(() -> WxMessages.defaults().withSendOk(null))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void wxReportsTheConfiguredTexts() {
    WxMessages dimina = WxMessages.defaults()
        .withConnectUrlMissing("connectSocket:fail parameter error: url")
        .withSendTaskGone("sendSocketMessage:fail:taskID not exist");
    try (Wx wx = Wx.builder().messages(dimina).build()) {
      TaskRecorder rec = new TaskRecorder();
      SocketTask task = wx.connectSocket(ConnectSocketOptions.builder()
          .fail(rec.fail()).complete(rec.complete()).build());
      rec.assertFail("connectSocket:fail parameter error: url");
      task.send(SendSocketMessageOptions.builder().data("x")
          .fail(rec.fail()).complete(rec.complete()).build());
      rec.assertFail("sendSocketMessage:fail:taskID not exist");
      assertThat(wx.newBuilder().build()).isNotNull().satisfies(Wx::close);
    }
  }
}
