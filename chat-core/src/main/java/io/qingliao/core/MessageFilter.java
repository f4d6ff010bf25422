package io.qingliao.core;

/**
 * An embedder's hook that sees every chat message before it is stored (a word filter, a
 * moderation rule). It runs on the caller's thread and must be fast and non-blocking.
 */
@FunctionalInterface
public interface MessageFilter {

  /** Accepts every message unchanged. */
  MessageFilter ACCEPT_ALL = draft -> FilterResult.accept(draft);

  FilterResult apply(MessageDraft draft);

  /** The verdict: store this (possibly changed) draft, or reject it with a reason. */
  record FilterResult(MessageDraft draft, String rejection) {
    public static FilterResult accept(MessageDraft draft) {
      return new FilterResult(draft, null);
    }

    public static FilterResult reject(String reason) {
      return new FilterResult(null, reason == null ? "rejected" : reason);
    }

    public boolean accepted() {
      return rejection == null;
    }
  }
}
