package io.qingliao.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.qingliao.core.ErrorCode;
import io.qingliao.core.ProtocolException;
import io.qingliao.core.StoreUnavailableException;
import io.qingliao.core.StoreUnconfirmedException;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** How a failed publish becomes an HTTP answer. */
class ApiRoutesFailureTest {

  @Test
  void aMessageStoredButNotConfirmedOnDiskIs500StoreUnconfirmedNotARetryable503() {
    HttpError error = ApiRoutes.failure(new StoreUnconfirmedException("fsync failed", new IOException("EIO")));
    assertThat(error.status()).isEqualTo(500);
    assertThat(error.code()).isEqualTo(ErrorCode.STORE_UNCONFIRMED.wire());
    assertThat(error.getMessage()).contains("do not resend");
  }

  @Test
  void aStoreThatCannotTakeTheMessageIs503ServerBusy() {
    HttpError error = ApiRoutes.failure(new StoreUnavailableException("disk full"));
    assertThat(error.status()).isEqualTo(503);
    assertThat(error.code()).isEqualTo("server_busy");
  }

  @Test
  void protocolErrorsKeepTheirCodes() {
    HttpError error = ApiRoutes.failure(new ProtocolException(ErrorCode.TOO_LONG, "too long"));
    assertThat(error.status()).isEqualTo(400);
    assertThat(error.code()).isEqualTo("too_long");
  }
}
