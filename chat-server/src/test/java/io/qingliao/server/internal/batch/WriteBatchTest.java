package io.qingliao.server.internal.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The thread-local write scope: who is flushed, when, how often, and on which thread. */
@Timeout(10)
class WriteBatchTest {
  /** Every flush, in the order it ran, as "name@thread". */
  private final List<String> flushes = new CopyOnWriteArrayList<>();

  @AfterEach
  void noScopeIsLeftOpen() {
    // A test that left a scope open on this (reused) thread would change the next one.
    assertThat(WriteBatch.defer(recorder("probe"))).as("a scope left open on the test thread").isFalse();
  }

  /** A Deferred that records its flushes. */
  private WriteBatch.Deferred recorder(String name) {
    return () -> flushes.add(name + "@" + Thread.currentThread().getName());
  }

  private static String here(String name) {
    return name + "@" + Thread.currentThread().getName();
  }

  @Test
  void deferOutsideAScopeReturnsFalseAndRegistersNothing() {
    assertThat(WriteBatch.defer(recorder("a"))).isFalse();

    try (WriteBatch scope = WriteBatch.open()) {
      assertThat(flushes).isEmpty();
    }

    assertThat(flushes).as("a refused registration is never flushed, not even by a later scope").isEmpty();
  }

  @Test
  void insideAScopeDeferReturnsTrueAndTheCloseFlushesEachRegistrationOnceInOrder() {
    WriteBatch.Deferred a = recorder("a");
    try (WriteBatch scope = WriteBatch.open()) {
      assertThat(WriteBatch.defer(a)).isTrue();
      assertThat(WriteBatch.defer(recorder("b"))).isTrue();
      assertThat(WriteBatch.defer(recorder("c"))).isTrue();
      assertThat(WriteBatch.defer(a)).as("a second registration of the same target").isTrue();
      assertThat(flushes).as("nothing is flushed before the scope closes").isEmpty();
    }

    assertThat(flushes).containsExactly(here("a"), here("b"), here("c"), here("a"));

    try (WriteBatch scope = WriteBatch.open()) {
      // nothing registered
    }
    assertThat(flushes).as("a closed scope forgets what it flushed").hasSize(4);
  }

  @Test
  void nestedScopesFlushOnlyAtTheOutermostClose() {
    try (WriteBatch outer = WriteBatch.open()) {
      WriteBatch.defer(recorder("outer-1"));
      try (WriteBatch inner = WriteBatch.open()) {
        assertThat(inner).as("one scope object per thread").isSameAs(outer);
        WriteBatch.defer(recorder("inner"));
        try (WriteBatch innermost = WriteBatch.open()) {
          WriteBatch.defer(recorder("innermost"));
        }
        assertThat(flushes).as("after the innermost close").isEmpty();
      }
      assertThat(flushes).as("after the inner close").isEmpty();
      assertThat(WriteBatch.defer(recorder("outer-2"))).as("still inside the outer scope").isTrue();
    }

    assertThat(flushes).containsExactly(here("outer-1"), here("inner"), here("innermost"), here("outer-2"));
    assertThat(WriteBatch.defer(recorder("after"))).isFalse();
  }

  @Test
  void aFlushThatDefersAgainIsFlushedInTheSameClose() {
    boolean[] deferredDuringFlush = new boolean[2];
    WriteBatch.Deferred second = () -> {
      flushes.add(here("second"));
      // Deferring from a flush of a flush: still inside the closing scope.
      deferredDuringFlush[1] = WriteBatch.defer(recorder("third"));
    };
    WriteBatch.Deferred first = () -> {
      flushes.add(here("first"));
      deferredDuringFlush[0] = WriteBatch.defer(second);
    };
    try (WriteBatch scope = WriteBatch.open()) {
      WriteBatch.defer(first);
      WriteBatch.defer(recorder("other"));
    }

    assertThat(deferredDuringFlush).containsExactly(true, true);
    assertThat(flushes).containsExactly(here("first"), here("other"), here("second"), here("third"));
    assertThat(WriteBatch.defer(recorder("after"))).as("the scope is closed once the re-entrant flushes are done")
        .isFalse();
  }

  @Test
  void aScopeOpenedAndClosedInsideAFlushDoesNotFlushEarlyNorCloseTheOuterOne() {
    WriteBatch.Deferred opensItsOwn = () -> {
      flushes.add(here("opener"));
      try (WriteBatch nested = WriteBatch.open()) {
        WriteBatch.defer(recorder("from-nested"));
      }
      flushes.add(here("opener-done"));
    };
    try (WriteBatch scope = WriteBatch.open()) {
      WriteBatch.defer(opensItsOwn);
      WriteBatch.defer(recorder("later"));
    }

    assertThat(flushes).containsExactly(here("opener"), here("opener-done"), here("later"), here("from-nested"));
    assertThat(WriteBatch.defer(recorder("after"))).isFalse();
  }

  @Test
  void oneFlushThrowingDoesNotStopTheOthersAndTheScopeIsReusableAfterwards() {
    int[] thrown = new int[1];
    WriteBatch.Deferred broken = () -> {
      thrown[0]++;
      throw new IllegalStateException("flush failed (expected by the test)");
    };
    try (WriteBatch scope = WriteBatch.open()) {
      WriteBatch.defer(recorder("before"));
      WriteBatch.defer(broken);
      WriteBatch.defer(recorder("after"));
    }

    assertThat(thrown[0]).isEqualTo(1);
    assertThat(flushes).containsExactly(here("before"), here("after"));
    assertThat(WriteBatch.defer(recorder("outside"))).as("no scope open after a failed flush").isFalse();

    try (WriteBatch scope = WriteBatch.open()) {
      assertThat(WriteBatch.defer(recorder("next"))).isTrue();
    }
    assertThat(thrown[0]).as("the broken target is not flushed again by the next scope").isEqualTo(1);
    assertThat(flushes).containsExactly(here("before"), here("after"), here("next"));
  }

  @Test
  void aScopeLeftByAnExceptionStillFlushes() {
    try (WriteBatch scope = WriteBatch.open()) {
      WriteBatch.defer(recorder("a"));
      throw new IllegalArgumentException("the work in the scope failed (expected by the test)");
    } catch (IllegalArgumentException expected) {
      // the scope was closed on the way out
    }

    assertThat(flushes).containsExactly(here("a"));
  }

  @Test
  void scopesOnTwoThreadsAreIndependent() throws Exception {
    String main = Thread.currentThread().getName();
    ExecutorService other = Executors.newSingleThreadExecutor(r -> new Thread(r, "write-batch-other"));
    try {
      CountDownLatch otherDeferred = new CountDownLatch(1);
      CountDownLatch mainClosed = new CountDownLatch(1);
      Future<?> otherScope;
      try (WriteBatch scope = WriteBatch.open()) {
        WriteBatch.defer(recorder("main"));

        // The other thread has no scope open, though this one does.
        assertThat(other.submit(() -> WriteBatch.defer(recorder("other-outside"))).get(5, TimeUnit.SECONDS))
            .isFalse();

        // Its own scope, open until after this one has closed.
        otherScope = other.submit(() -> {
          try (WriteBatch own = WriteBatch.open()) {
            WriteBatch.defer(recorder("other"));
            otherDeferred.countDown();
            await(mainClosed);
            flushes.add("other-scope-closing");
          }
        });
        await(otherDeferred);
      }

      assertThat(flushes).as("this thread's close flushes only what this thread deferred, on this thread")
          .containsExactly("main@" + main);
      assertThat(WriteBatch.defer(recorder("main-after"))).isFalse();
      mainClosed.countDown();
      otherScope.get(5, TimeUnit.SECONDS);
      assertThat(flushes).containsExactly("main@" + main, "other-scope-closing", "other@write-batch-other");
    } finally {
      other.shutdownNow();
      assertThat(other.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      assertThat(latch.await(5, TimeUnit.SECONDS)).as("latch").isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** A Deferred that records its flushes and names {@code helper} as its helper thread. */
  private WriteBatch.Deferred sharing(String name, Executor helper) {
    return new WriteBatch.Deferred() {
      @Override
      public void flush() {
        flushes.add(name + "@" + Thread.currentThread().getName());
      }

      @Override
      public Executor helper() {
        return helper;
      }
    };
  }

  @Test
  void aLargeScopeHandsItsSecondHalfToTheHelperThreadWhichFlushesItInOrder() throws Exception {
    ExecutorService helper = Executors.newSingleThreadExecutor(r -> new Thread(r, "helper"));
    int total = WriteBatch.SHARE_FROM * 2;
    try {
      try (WriteBatch scope = WriteBatch.open()) {
        for (int i = 0; i < total; i++) {
          WriteBatch.defer(sharing("t" + i, helper));
        }
      }
      helper.submit(() -> { }).get(5, TimeUnit.SECONDS); // the helper's share has run
    } finally {
      helper.shutdown();
    }

    assertThat(flushes).hasSize(total);
    List<String> mine = flushes.stream().filter(f -> !f.endsWith("@helper")).toList();
    List<String> theirs = flushes.stream().filter(f -> f.endsWith("@helper")).toList();
    assertThat(mine).hasSize(total / 2).allMatch(f -> f.endsWith("@" + Thread.currentThread().getName()));
    assertThat(mine.get(0)).startsWith("t0@");
    assertThat(theirs).hasSize(total / 2);
    for (int i = 0; i < theirs.size(); i++) {
      assertThat(theirs.get(i)).isEqualTo("t" + (total / 2 + i) + "@helper");
    }
  }

  @Test
  void aSmallScopeOrAScopeWhoseHelperIsGoneIsFlushedEntirelyByItsOwnThread() {
    ExecutorService stopped = Executors.newSingleThreadExecutor();
    stopped.shutdown();
    try (WriteBatch scope = WriteBatch.open()) {
      for (int i = 0; i < WriteBatch.SHARE_FROM + 10; i++) {
        WriteBatch.defer(sharing("gone" + i, stopped));
      }
    }
    try (WriteBatch scope = WriteBatch.open()) {
      for (int i = 0; i < WriteBatch.SHARE_FROM - 1; i++) {
        WriteBatch.defer(sharing("small" + i, Runnable::run));
      }
    }

    assertThat(flushes).hasSize(2 * WriteBatch.SHARE_FROM + 9)
        .allMatch(f -> f.endsWith("@" + Thread.currentThread().getName()));
    assertThat(flushes.get(0)).startsWith("gone0@");
    assertThat(flushes.get(WriteBatch.SHARE_FROM + 10)).startsWith("small0@");
  }
}
