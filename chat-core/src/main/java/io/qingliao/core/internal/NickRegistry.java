package io.qingliao.core.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Which live sessions hold which nick. A nick is held by one session, or by several sessions
 * authenticated as the same subject.
 */
final class NickRegistry {
  /** The holders of one nick: one subject (null for anonymous) and its sessions. */
  private record Holders(String subject, List<LiveSession> sessions) {}

  private final ConcurrentHashMap<String, Holders> byNick = new ConcurrentHashMap<>();
  private final AtomicLong guests = new AtomicLong();

  /** Gives {@code nick} to {@code session}; false when another user holds it. */
  boolean claim(String nick, LiveSession session) {
    boolean[] claimed = {false};
    byNick.compute(nick, (k, holders) -> {
      if (holders == null) {
        claimed[0] = true;
        return new Holders(session.subject(), List.of(session));
      }
      if (holders.subject() != null && Objects.equals(holders.subject(), session.subject())) {
        claimed[0] = true;
        List<LiveSession> more = new ArrayList<>(holders.sessions());
        more.add(session);
        return new Holders(holders.subject(), List.copyOf(more));
      }
      return holders;
    });
    return claimed[0];
  }

  /** Claims the next free {@code guest-N} for {@code session}. */
  String claimGuest(LiveSession session) {
    while (true) {
      String nick = "guest-" + guests.incrementAndGet();
      if (claim(nick, session)) {
        return nick;
      }
    }
  }

  void release(String nick, LiveSession session) {
    byNick.computeIfPresent(nick, (k, holders) -> {
      List<LiveSession> rest = new ArrayList<>(holders.sessions());
      rest.remove(session);
      return rest.isEmpty() ? null : new Holders(holders.subject(), List.copyOf(rest));
    });
  }

  /** The live sessions holding {@code nick}, possibly none. */
  List<LiveSession> sessionsOf(String nick) {
    Holders holders = byNick.get(nick);
    return holders == null ? List.of() : holders.sessions();
  }
}
