package io.qingliao.client.internal.wx;

import io.qingliao.client.CloseResult;
import io.qingliao.client.ErrorResult;
import io.qingliao.client.MessageResult;
import io.qingliao.client.OpenResult;
import java.util.function.Consumer;

/** The four {@code wx.onSocketX} slots: one callback each, the last registration wins. */
public final class LegacySlots {
  private volatile Consumer<OpenResult> open;
  private volatile Consumer<MessageResult> message;
  private volatile Consumer<ErrorResult> error;
  private volatile Consumer<CloseResult> close;

  public void onOpen(Consumer<OpenResult> listener) {
    open = listener;
  }

  public void onMessage(Consumer<MessageResult> listener) {
    message = listener;
  }

  public void onError(Consumer<ErrorResult> listener) {
    error = listener;
  }

  public void onClose(Consumer<CloseResult> listener) {
    close = listener;
  }

  void fireOpen(OpenResult r) {
    fire(open, r);
  }

  void fireMessage(MessageResult r) {
    fire(message, r);
  }

  void fireError(ErrorResult r) {
    fire(error, r);
  }

  void fireClose(CloseResult r) {
    fire(close, r);
  }

  private static <T> void fire(Consumer<T> slot, T value) {
    if (slot != null) {
      CallbackThread.invoke(slot, value);
    }
  }
}
