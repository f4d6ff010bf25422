package io.qingliao.client.internal.chat;

import io.qingliao.client.ChatRejectedException;
import io.qingliao.core.ClientRequest;
import io.qingliao.core.ServerEvent;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

/**
 * Requests waiting for their reply, by cid, in the order they were made. A request is either
 * written to the current socket or queued until the client is open. Not thread-safe: the client
 * guards it with its lock, and completes the futures outside it.
 */
final class PendingRequests {

  /** One request and the future its reply completes. */
  static final class Pending<T extends ServerEvent> {
    final ClientRequest request;
    final String frame;
    final Class<T> replyType;
    final CompletableFuture<T> future = new CompletableFuture<>();
    /** Made by the client itself (heartbeat, resume): never queued for a later connection. */
    final boolean internal;
    ScheduledFuture<?> timeout;
    boolean written;

    Pending(ClientRequest request, String frame, Class<T> replyType, boolean internal) {
      this.request = request;
      this.frame = frame;
      this.replyType = replyType;
      this.internal = internal;
    }

    /** Completes with {@code reply}, or fails if it is an error or of an unexpected type. */
    void settle(ServerEvent reply) {
      cancelTimeout();
      if (reply instanceof ServerEvent.ErrorEvent error) {
        future.completeExceptionally(new ChatRejectedException(error.code(), error.message(), request.type(),
            request.cid()));
      } else if (replyType.isInstance(reply)) {
        future.complete(replyType.cast(reply));
      } else {
        future.completeExceptionally(new IllegalStateException(
            "server answered " + request.type() + " with " + reply.type()));
      }
    }

    void fail(Throwable cause) {
      cancelTimeout();
      future.completeExceptionally(cause);
    }

    private void cancelTimeout() {
      if (timeout != null) {
        timeout.cancel(false);
      }
    }
  }

  private final LinkedHashMap<String, Pending<?>> byCid = new LinkedHashMap<>();
  private int queued;

  void add(Pending<?> pending) {
    byCid.put(pending.request.cid(), pending);
    if (!pending.written) {
      queued++;
    }
  }

  /** Requests not yet written to any socket. */
  int queued() {
    return queued;
  }

  void markWritten(Pending<?> pending) {
    if (!pending.written) {
      pending.written = true;
      queued--;
    }
  }

  /** Removes and returns the request with {@code cid}, or null. */
  Pending<?> remove(String cid) {
    Pending<?> pending = cid == null ? null : byCid.remove(cid);
    if (pending != null && !pending.written) {
      queued--;
    }
    return pending;
  }

  /** Queued requests, oldest first. */
  List<Pending<?>> unwritten() {
    List<Pending<?>> result = new ArrayList<>();
    for (Pending<?> pending : byCid.values()) {
      if (!pending.written) {
        result.add(pending);
      }
    }
    return result;
  }

  /**
   * Removes what a lost connection ends: requests written to it (their outcome is unknown) and
   * the client's own requests. Queued requests stay for the next connection.
   */
  List<Pending<?>> removeLost() {
    List<Pending<?>> lost = new ArrayList<>();
    for (Iterator<Pending<?>> it = byCid.values().iterator(); it.hasNext(); ) {
      Pending<?> pending = it.next();
      if (pending.written || pending.internal) {
        if (!pending.written) {
          queued--;
        }
        lost.add(pending);
        it.remove();
      }
    }
    return lost;
  }

  /** Removes every request. */
  List<Pending<?>> removeAll() {
    List<Pending<?>> all = new ArrayList<>(byCid.values());
    byCid.clear();
    queued = 0;
    return all;
  }
}
