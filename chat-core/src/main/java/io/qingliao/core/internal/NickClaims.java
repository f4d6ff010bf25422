package io.qingliao.core.internal;

import io.qingliao.core.ClusterBroker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Nick claims of a hub: the local {@link NickRegistry}, and for a cluster node also the
 * cluster-wide claim through its {@link ClusterBroker}.
 */
final class NickClaims {
  private static final Logger log = LoggerFactory.getLogger(NickClaims.class);

  private final NickRegistry registry;
  /** Null for an embedded hub. */
  private final ClusterBroker cluster;

  NickClaims(NickRegistry registry, ClusterBroker cluster) {
    this.registry = registry;
    this.cluster = cluster;
  }

  /**
   * Gives {@code nick} to {@code session}, in the cluster too when there is one; false when
   * another user holds it. When the cluster cannot be asked, {@code lenient} keeps the local
   * claim (the broker registers it once it is back); otherwise the failure is thrown.
   */
  boolean claim(String nick, LiveSession session, boolean lenient) {
    if (!registry.claim(nick, session)) {
      return false;
    }
    if (cluster == null) {
      return true;
    }
    boolean claimed;
    try {
      claimed = cluster.claimNick(nick, session.subject(), session.id());
    } catch (RuntimeException e) {
      if (lenient) {
        log.warn("cluster unreachable; nick {} claimed on this node only for now", nick);
        return true;
      }
      release(nick, session);
      throw e;
    }
    if (!claimed) {
      registry.release(nick, session);
    }
    return claimed;
  }

  void release(String nick, LiveSession session) {
    registry.release(nick, session);
    if (cluster != null) {
      cluster.releaseNick(nick, session.id());
    }
  }

  /** The next free guest nick: per hub when embedded, cluster-wide for a cluster node. */
  String claimGuest(LiveSession session) {
    if (cluster == null) {
      return registry.claimGuest(session);
    }
    try {
      for (int i = 0; i < 1000; i++) {
        String nick = cluster.guestNick();
        if (claim(nick, session, false)) {
          return nick;
        }
      }
    } catch (RuntimeException e) {
      log.warn("cluster unreachable; guest nick given by this node only", e);
    }
    String nick = registry.claimGuest(session);
    try {
      cluster.claimNick(nick, session.subject(), session.id());
    } catch (RuntimeException e) {
      // still unreachable: the broker registers the claim once it is back
    }
    return nick;
  }
}
