package io.qingliao.client;

import io.qingliao.core.ErrorCode;
import io.qingliao.core.ProtocolException;

/** The server answered a request with an {@code error}; {@link #code()} is the protocol's code. */
public final class ChatRejectedException extends ProtocolException {
  private final String requestType;
  private final String cid;

  public ChatRejectedException(ErrorCode code, String message, String requestType, String cid) {
    super(code, requestType + " rejected: " + code.wire() + ": " + message);
    this.requestType = requestType;
    this.cid = cid;
  }

  /** The {@code type} of the refused request, such as {@code chat}. */
  public String requestType() {
    return requestType;
  }

  /** The cid the client gave the request. */
  public String cid() {
    return cid;
  }
}
