package io.qingliao.client;

import java.util.function.Consumer;

/**
 * The {@code success} / {@code fail} / {@code complete} triple every option object carries.
 * {@code complete} runs after whichever of the other two ran. All three run on the {@link Wx}'s
 * callback thread, never inside the call that was given them.
 */
public record Callbacks(
    Consumer<CallbackResult> success,
    Consumer<CallbackResult> fail,
    Consumer<CallbackResult> complete) {

  private static final Consumer<CallbackResult> NONE = r -> { };
  private static final Callbacks EMPTY = new Callbacks(NONE, NONE, NONE);

  public Callbacks {
    success = success == null ? NONE : success;
    fail = fail == null ? NONE : fail;
    complete = complete == null ? NONE : complete;
  }

  /** No callbacks. */
  public static Callbacks none() {
    return EMPTY;
  }
}
