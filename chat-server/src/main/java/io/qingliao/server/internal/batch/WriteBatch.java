package io.qingliao.server.internal.batch;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A scope on one thread in which connections hold back what they are sent, and write it when
 * the scope closes: one gathering write per connection for everything the scope sent it.
 *
 * <p>Why: a group commit completes several chats of a room at once, and each goes to every
 * member. Written frame by frame, that is one {@code write(2)} per chat per member; held back
 * to the end of the commit, it is one per member, whatever the number of chats. A scope is
 * opened where a thread is about to hand the hub a burst of work (the store's writer
 * completing a commit, a WebSocket worker handling a frame) and must close in a {@code finally}
 * (try-with-resources), so that nothing held back is forgotten. Scopes nest; the outermost one
 * flushes.
 *
 * <p>A connection asks {@link #defer} to be flushed; outside any scope it is told no and writes
 * at once. One scope object per thread is reused: opening a scope allocates nothing.
 *
 * <p>A scope that ends with many connections to flush (a broadcast to a big room) hands the
 * second half to the connections' helper thread, if they name one, and flushes the first half
 * itself: the last member of a room of thousands gets the frame about twice as soon when a
 * second core is free. Each connection keeps its own order whichever thread flushes it.
 */
public final class WriteBatch implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WriteBatch.class);
  private static final ThreadLocal<WriteBatch> CURRENT = ThreadLocal.withInitial(WriteBatch::new);

  /** Something that held back writes in a scope, to be flushed when it closes. */
  public interface Deferred {
    /** Writes (or hands the selector) everything held back. Must not throw. */
    void flush();

    /** A thread that may flush this too, for large scopes; null when there is none. */
    default Executor helper() {
      return null;
    }
  }

  /** Fewest connections in one scope before half of them go to a helper thread. */
  static final int SHARE_FROM = 256;

  private final List<Deferred> deferred = new ArrayList<>();
  private int depth;

  private WriteBatch() {}

  /** Opens a scope on this thread (or nests in the open one); close it in a {@code finally}. */
  public static WriteBatch open() {
    WriteBatch batch = CURRENT.get();
    batch.depth++;
    return batch;
  }

  /**
   * Registers {@code target} to be flushed when this thread's scope closes. Returns false (and
   * registers nothing) when no scope is open on this thread: the caller writes now.
   */
  public static boolean defer(Deferred target) {
    WriteBatch batch = CURRENT.get();
    if (batch.depth == 0) {
      return false;
    }
    batch.deferred.add(target);
    return true;
  }

  /** Closes this scope; the outermost close flushes everything deferred in it, in order. */
  @Override
  public void close() {
    if (--depth > 0) {
      return;
    }
    // A flush may run hub code that sends again (a slow consumer closed, say): what it defers
    // lands behind the index and is flushed in this same loop, not in a scope long gone.
    depth = 1;
    try {
      shareWithHelper();
      for (int i = 0; i < deferred.size(); i++) {
        flushQuietly(deferred.get(i));
      }
    } finally {
      deferred.clear();
      depth = 0;
    }
  }

  /** Hands the second half of a large scope to the helper thread, which flushes it in order. */
  private void shareWithHelper() {
    int total = deferred.size();
    if (total < SHARE_FROM) {
      return;
    }
    Executor helper = deferred.get(total - 1).helper();
    if (helper == null) {
      return;
    }
    List<Deferred> tail = deferred.subList(total / 2, total);
    Deferred[] share = tail.toArray(new Deferred[0]);
    try {
      helper.execute(() -> {
        for (Deferred target : share) {
          flushQuietly(target);
        }
      });
      tail.clear();
    } catch (RejectedExecutionException stopping) {
      // The helper is gone (the server is stopping): this thread flushes everything.
    }
  }

  private static void flushQuietly(Deferred target) {
    try {
      target.flush();
    } catch (RuntimeException e) {
      log.warn("flushing a connection failed", e);
    }
  }
}
