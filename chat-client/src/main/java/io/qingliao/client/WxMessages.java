package io.qingliao.client;

import java.util.Objects;

/**
 * The {@code errMsg} texts and close reasons a {@link Wx} reports, as an immutable value.
 *
 * <p>The defaults are the texts observed on real WeChat clients where they are known, and the
 * most likely text where they are not (chat-client/README.md lists which is which). Clients and
 * versions disagree, for example on the separator after {@code fail}, so every text can be
 * replaced with a wither:
 *
 * <pre>{@code
 * WxMessages ios = WxMessages.defaults()
 *     .withCloseTaskGone("closeSocket:fail wcwss taskID not exist");
 * Wx wx = Wx.builder().messages(ios).build();
 * }</pre>
 *
 * <p>{@link #errorException()} is a {@link String#format} pattern with one {@code %s}.
 */
public record WxMessages(
    String connectOk,
    String connectUrlMissing,
    String connectUrlMalformed,
    String connectMaxConnected,
    String connectInterrupted,
    String sendOk,
    String sendNotConnected,
    String sendConnecting,
    String sendTaskGone,
    String sendBadData,
    String sendInterrupted,
    String closeOk,
    String closeNotConnected,
    String closeTaskGone,
    String closeBadCode,
    String closeReasonTooLong,
    String closeInterrupted,
    String errorException,
    String errorTimeout,
    String errorAbnormalClosure,
    String closeReasonAbnormal,
    String closeReasonInterrupted) {

  private static final WxMessages DEFAULTS = new WxMessages(
      "connectSocket:ok",
      "connectSocket:fail url is null",
      "connectSocket:fail url not well format",
      "connectSocket:fail max connected",
      "connectSocket:fail:jsapi has no permission,event=createSocketTask,runningState=suspend,"
          + "detail=network api interrupted in suspend state",
      "sendSocketMessage:ok",
      "sendSocketMessage:fail WebSocket is not connected",
      "sendSocketMessage:fail don't send before socket connected",
      "sendSocketMessage:fail taskID not exist",
      "sendSocketMessage:fail parameter error: parameter.data should be String or ArrayBuffer",
      "sendSocketMessage:fail interrupted",
      "closeSocket:ok",
      "closeSocket:fail WebSocket is not connected",
      "closeSocket:fail:taskID not exist",
      "closeSocket:fail The code must be either 1000, or between 3000 and 4999",
      "closeSocket:fail The message must not be greater than 123 bytes",
      "closeSocket:fail interrupted",
      "exception %s",
      "connect response time out",
      "abnormal closure",
      "abnormal closure",
      "interrupted");

  public WxMessages {
    Objects.requireNonNull(connectOk, "connectOk");
    Objects.requireNonNull(connectUrlMissing, "connectUrlMissing");
    Objects.requireNonNull(connectUrlMalformed, "connectUrlMalformed");
    Objects.requireNonNull(connectMaxConnected, "connectMaxConnected");
    Objects.requireNonNull(connectInterrupted, "connectInterrupted");
    Objects.requireNonNull(sendOk, "sendOk");
    Objects.requireNonNull(sendNotConnected, "sendNotConnected");
    Objects.requireNonNull(sendConnecting, "sendConnecting");
    Objects.requireNonNull(sendTaskGone, "sendTaskGone");
    Objects.requireNonNull(sendBadData, "sendBadData");
    Objects.requireNonNull(sendInterrupted, "sendInterrupted");
    Objects.requireNonNull(closeOk, "closeOk");
    Objects.requireNonNull(closeNotConnected, "closeNotConnected");
    Objects.requireNonNull(closeTaskGone, "closeTaskGone");
    Objects.requireNonNull(closeBadCode, "closeBadCode");
    Objects.requireNonNull(closeReasonTooLong, "closeReasonTooLong");
    Objects.requireNonNull(closeInterrupted, "closeInterrupted");
    Objects.requireNonNull(errorException, "errorException");
    Objects.requireNonNull(errorTimeout, "errorTimeout");
    Objects.requireNonNull(errorAbnormalClosure, "errorAbnormalClosure");
    Objects.requireNonNull(closeReasonAbnormal, "closeReasonAbnormal");
    Objects.requireNonNull(closeReasonInterrupted, "closeReasonInterrupted");
  }

  /** The texts of real clients where known, of the most likely behaviour where not. */
  public static WxMessages defaults() {
    return DEFAULTS;
  }

  /** Fills {@link #errorException()} with {@code detail}. */
  public String errorException(String detail) {
    return String.format(errorException, detail);
  }

  /** connectSocket was accepted; onOpen or onError follows. Default {@code "connectSocket:ok"}. */
  public WxMessages withConnectOk(String value) {
    return new WxMessages(value, connectUrlMissing, connectUrlMalformed, connectMaxConnected, connectInterrupted, sendOk, sendNotConnected, sendConnecting, sendTaskGone, sendBadData, sendInterrupted, closeOk, closeNotConnected, closeTaskGone, closeBadCode, closeReasonTooLong, closeInterrupted, errorException, errorTimeout, errorAbnormalClosure, closeReasonAbnormal, closeReasonInterrupted);
  }

  /** connectSocket without a url (Android native tail). Default {@code "connectSocket:fail url is null"}. */
  public WxMessages withConnectUrlMissing(String value) {
    return new WxMessages(connectOk, value, connectUrlMalformed, connectMaxConnected, connectInterrupted, sendOk, sendNotConnected, sendConnecting, sendTaskGone, sendBadData, sendInterrupted, closeOk, closeNotConnected, closeTaskGone, closeBadCode, closeReasonTooLong, closeInterrupted, errorException, errorTimeout, errorAbnormalClosure, closeReasonAbnormal, closeReasonInterrupted);
  }

  /** connectSocket with a url that is not ws:// or wss:// (Android native tail). Default {@code "connectSocket:fail url not well format"}. */
  public WxMessages withConnectUrlMalformed(String value) {
    return new WxMessages(connectOk, connectUrlMissing, value, connectMaxConnected, connectInterrupted, sendOk, sendNotConnected, sendConnecting, sendTaskGone, sendBadData, sendInterrupted, closeOk, closeNotConnected, closeTaskGone, closeBadCode, closeReasonTooLong, closeInterrupted, errorException, errorTimeout, errorAbnormalClosure, closeReasonAbnormal, closeReasonInterrupted);
  }

  /** connectSocket while five tasks are live (Android native tail; the current text is unconfirmed). Default {@code "connectSocket:fail max connected"}. */
  public WxMessages withConnectMaxConnected(String value) {
    return new WxMessages(connectOk, connectUrlMissing, connectUrlMalformed, value, connectInterrupted, sendOk, sendNotConnected, sendConnecting, sendTaskGone, sendBadData, sendInterrupted, closeOk, closeNotConnected, closeTaskGone, closeBadCode, closeReasonTooLong, closeInterrupted, errorException, errorTimeout, errorAbnormalClosure, closeReasonAbnormal, closeReasonInterrupted);
  }

  /** connectSocket while the app is suspended in the background (the C6 text, its elided middle dropped). */
  public WxMessages withConnectInterrupted(String value) {
    return new WxMessages(connectOk, connectUrlMissing, connectUrlMalformed, connectMaxConnected, value, sendOk, sendNotConnected, sendConnecting, sendTaskGone, sendBadData, sendInterrupted, closeOk, closeNotConnected, closeTaskGone, closeBadCode, closeReasonTooLong, closeInterrupted, errorException, errorTimeout, errorAbnormalClosure, closeReasonAbnormal, closeReasonInterrupted);
  }

  /** send was handed to the socket; it does not mean delivery. Default {@code "sendSocketMessage:ok"}. */
  public WxMessages withSendOk(String value) {
    return new WxMessages(connectOk, connectUrlMissing, connectUrlMalformed, connectMaxConnected, connectInterrupted, value, sendNotConnected, sendConnecting, sendTaskGone, sendBadData, sendInterrupted, closeOk, closeNotConnected, closeTaskGone, closeBadCode, closeReasonTooLong, closeInterrupted, errorException, errorTimeout, errorAbnormalClosure, closeReasonAbnormal, closeReasonInterrupted);
  }

  /** wx.sendSocketMessage with no open current socket. Default {@code "sendSocketMessage:fail WebSocket is not connected"}. */
  public WxMessages withSendNotConnected(String value) {
    return new WxMessages(connectOk, connectUrlMissing, connectUrlMalformed, connectMaxConnected, connectInterrupted, sendOk, value, sendConnecting, sendTaskGone, sendBadData, sendInterrupted, closeOk, closeNotConnected, closeTaskGone, closeBadCode, closeReasonTooLong, closeInterrupted, errorException, errorTimeout, errorAbnormalClosure, closeReasonAbnormal, closeReasonInterrupted);
  }

  /** SocketTask.send while the task is still connecting (Android native tail). Default {@code "sendSocketMessage:fail don't send before socket connected"}. */
  public WxMessages withSendConnecting(String value) {
    return new WxMessages(connectOk, connectUrlMissing, connectUrlMalformed, connectMaxConnected, connectInterrupted, sendOk, sendNotConnected, value, sendTaskGone, sendBadData, sendInterrupted, closeOk, closeNotConnected, closeTaskGone, closeBadCode, closeReasonTooLong, closeInterrupted, errorException, errorTimeout, errorAbnormalClosure, closeReasonAbnormal, closeReasonInterrupted);
  }

  /** SocketTask.send on a task that is closing, closed or failed. Default {@code "sendSocketMessage:fail taskID not exist"}. */
  public WxMessages withSendTaskGone(String value) {
    return new WxMessages(connectOk, connectUrlMissing, connectUrlMalformed, connectMaxConnected, connectInterrupted, sendOk, sendNotConnected, sendConnecting, value, sendBadData, sendInterrupted, closeOk, closeNotConnected, closeTaskGone, closeBadCode, closeReasonTooLong, closeInterrupted, errorException, errorTimeout, errorAbnormalClosure, closeReasonAbnormal, closeReasonInterrupted);
  }

  /** send without data. Default {@code "sendSocketMessage:fail parameter error: parameter.data should be String or ArrayBuffer"}. */
  public WxMessages withSendBadData(String value) {
    return new WxMessages(connectOk, connectUrlMissing, connectUrlMalformed, connectMaxConnected, connectInterrupted, sendOk, sendNotConnected, sendConnecting, sendTaskGone, value, sendInterrupted, closeOk, closeNotConnected, closeTaskGone, closeBadCode, closeReasonTooLong, closeInterrupted, errorException, errorTimeout, errorAbnormalClosure, closeReasonAbnormal, closeReasonInterrupted);
  }

  /** send while the app is suspended in the background. Default {@code "sendSocketMessage:fail interrupted"}. */
  public WxMessages withSendInterrupted(String value) {
    return new WxMessages(connectOk, connectUrlMissing, connectUrlMalformed, connectMaxConnected, connectInterrupted, sendOk, sendNotConnected, sendConnecting, sendTaskGone, sendBadData, value, closeOk, closeNotConnected, closeTaskGone, closeBadCode, closeReasonTooLong, closeInterrupted, errorException, errorTimeout, errorAbnormalClosure, closeReasonAbnormal, closeReasonInterrupted);
  }

  /** close was accepted; onClose follows later. Default {@code "closeSocket:ok"}. */
  public WxMessages withCloseOk(String value) {
    return new WxMessages(connectOk, connectUrlMissing, connectUrlMalformed, connectMaxConnected, connectInterrupted, sendOk, sendNotConnected, sendConnecting, sendTaskGone, sendBadData, sendInterrupted, value, closeNotConnected, closeTaskGone, closeBadCode, closeReasonTooLong, closeInterrupted, errorException, errorTimeout, errorAbnormalClosure, closeReasonAbnormal, closeReasonInterrupted);
  }

  /** wx.closeSocket with no open current socket (a close before open does not close). Default {@code "closeSocket:fail WebSocket is not connected"}. */
  public WxMessages withCloseNotConnected(String value) {
    return new WxMessages(connectOk, connectUrlMissing, connectUrlMalformed, connectMaxConnected, connectInterrupted, sendOk, sendNotConnected, sendConnecting, sendTaskGone, sendBadData, sendInterrupted, closeOk, value, closeTaskGone, closeBadCode, closeReasonTooLong, closeInterrupted, errorException, errorTimeout, errorAbnormalClosure, closeReasonAbnormal, closeReasonInterrupted);
  }

  /** SocketTask.close on a task that is closing, closed or failed. Default {@code "closeSocket:fail:taskID not exist"}. */
  public WxMessages withCloseTaskGone(String value) {
    return new WxMessages(connectOk, connectUrlMissing, connectUrlMalformed, connectMaxConnected, connectInterrupted, sendOk, sendNotConnected, sendConnecting, sendTaskGone, sendBadData, sendInterrupted, closeOk, closeNotConnected, value, closeBadCode, closeReasonTooLong, closeInterrupted, errorException, errorTimeout, errorAbnormalClosure, closeReasonAbnormal, closeReasonInterrupted);
  }

  /** close with a code other than 1000 or 3000-4999 (Android native tail). Default {@code "closeSocket:fail The code must be either 1000, or between 3000 and 4999"}. */
  public WxMessages withCloseBadCode(String value) {
    return new WxMessages(connectOk, connectUrlMissing, connectUrlMalformed, connectMaxConnected, connectInterrupted, sendOk, sendNotConnected, sendConnecting, sendTaskGone, sendBadData, sendInterrupted, closeOk, closeNotConnected, closeTaskGone, value, closeReasonTooLong, closeInterrupted, errorException, errorTimeout, errorAbnormalClosure, closeReasonAbnormal, closeReasonInterrupted);
  }

  /** close with a reason over 123 UTF-8 bytes (unconfirmed text). Default {@code "closeSocket:fail The message must not be greater than 123 bytes"}. */
  public WxMessages withCloseReasonTooLong(String value) {
    return new WxMessages(connectOk, connectUrlMissing, connectUrlMalformed, connectMaxConnected, connectInterrupted, sendOk, sendNotConnected, sendConnecting, sendTaskGone, sendBadData, sendInterrupted, closeOk, closeNotConnected, closeTaskGone, closeBadCode, value, closeInterrupted, errorException, errorTimeout, errorAbnormalClosure, closeReasonAbnormal, closeReasonInterrupted);
  }

  /** close while the app is suspended in the background. Default {@code "closeSocket:fail interrupted"}. */
  public WxMessages withCloseInterrupted(String value) {
    return new WxMessages(connectOk, connectUrlMissing, connectUrlMalformed, connectMaxConnected, connectInterrupted, sendOk, sendNotConnected, sendConnecting, sendTaskGone, sendBadData, sendInterrupted, closeOk, closeNotConnected, closeTaskGone, closeBadCode, closeReasonTooLong, value, errorException, errorTimeout, errorAbnormalClosure, closeReasonAbnormal, closeReasonInterrupted);
  }

  /** onError when the handshake fails (refused, DNS, TLS, non-101); %s is the cause. Default {@code "exception %s"}. */
  public WxMessages withErrorException(String value) {
    return new WxMessages(connectOk, connectUrlMissing, connectUrlMalformed, connectMaxConnected, connectInterrupted, sendOk, sendNotConnected, sendConnecting, sendTaskGone, sendBadData, sendInterrupted, closeOk, closeNotConnected, closeTaskGone, closeBadCode, closeReasonTooLong, closeInterrupted, value, errorTimeout, errorAbnormalClosure, closeReasonAbnormal, closeReasonInterrupted);
  }

  /** onError when the handshake outlives the timeout. Default {@code "connect response time out"}. */
  public WxMessages withErrorTimeout(String value) {
    return new WxMessages(connectOk, connectUrlMissing, connectUrlMalformed, connectMaxConnected, connectInterrupted, sendOk, sendNotConnected, sendConnecting, sendTaskGone, sendBadData, sendInterrupted, closeOk, closeNotConnected, closeTaskGone, closeBadCode, closeReasonTooLong, closeInterrupted, errorException, value, errorAbnormalClosure, closeReasonAbnormal, closeReasonInterrupted);
  }

  /** onError when an open socket drops without a close frame. Default {@code "abnormal closure"}. */
  public WxMessages withErrorAbnormalClosure(String value) {
    return new WxMessages(connectOk, connectUrlMissing, connectUrlMalformed, connectMaxConnected, connectInterrupted, sendOk, sendNotConnected, sendConnecting, sendTaskGone, sendBadData, sendInterrupted, closeOk, closeNotConnected, closeTaskGone, closeBadCode, closeReasonTooLong, closeInterrupted, errorException, errorTimeout, value, closeReasonAbnormal, closeReasonInterrupted);
  }

  /** onClose reason with code 1006, after onError. Default {@code "abnormal closure"}. */
  public WxMessages withCloseReasonAbnormal(String value) {
    return new WxMessages(connectOk, connectUrlMissing, connectUrlMalformed, connectMaxConnected, connectInterrupted, sendOk, sendNotConnected, sendConnecting, sendTaskGone, sendBadData, sendInterrupted, closeOk, closeNotConnected, closeTaskGone, closeBadCode, closeReasonTooLong, closeInterrupted, errorException, errorTimeout, errorAbnormalClosure, value, closeReasonInterrupted);
  }

  /** onClose reason when the background cut closes a socket. Default {@code "interrupted"}. */
  public WxMessages withCloseReasonInterrupted(String value) {
    return new WxMessages(connectOk, connectUrlMissing, connectUrlMalformed, connectMaxConnected, connectInterrupted, sendOk, sendNotConnected, sendConnecting, sendTaskGone, sendBadData, sendInterrupted, closeOk, closeNotConnected, closeTaskGone, closeBadCode, closeReasonTooLong, closeInterrupted, errorException, errorTimeout, errorAbnormalClosure, closeReasonAbnormal, value);
  }
}
