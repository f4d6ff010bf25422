package io.qingliao.core;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The two moments of one {@link MessageStore#appendStaged append}: when the message may be
 * shown, and when it may be acknowledged.
 *
 * <p>Why two: a durable store can make a message safe against a crash of the server process (it
 * is in the operating system's hands) well before it is safe against a crash of the machine (it
 * is on the disk). The hub delivers a chat to the room at the first moment and sends the
 * sender's {@code ack} at the second, so the members do not wait for the disk and an {@code ack}
 * keeps the store's strongest promise. A store without the distinction gives the same future
 * twice ({@link #single}).
 *
 * @param written completes with the stored message once its seq is final, reads return it and a
 *     restart of the server (after a crash of its process too) still finds it; completes
 *     exceptionally when the message was not stored (then {@code durable} fails too)
 * @param durable completes with the same message once it is as durable as the store promises
 *     (for SQLite: fsync'ed, it survives an OS crash or a power loss); never before {@code
 *     written}. Failing after {@code written} succeeded means the message was kept and shown but
 *     its durability could not be confirmed: see {@link StoreUnconfirmedException}
 */
public record AppendStages(CompletableFuture<ChatMessage> written, CompletableFuture<ChatMessage> durable) {

  public AppendStages {
    Objects.requireNonNull(written, "written");
    Objects.requireNonNull(durable, "durable");
  }

  /** One future for both moments: a store whose appends are durable as soon as they are written. */
  public static AppendStages single(CompletableFuture<ChatMessage> stored) {
    return new AppendStages(stored, stored);
  }
}
