package io.qingliao.core.internal;

import io.qingliao.core.ClientRequest;
import io.qingliao.core.ChatMessage;
import io.qingliao.core.Decoded;
import io.qingliao.core.ErrorCode;
import io.qingliao.core.MessageDraft;
import io.qingliao.core.RoomName;
import io.qingliao.core.ServerEvent;
import java.util.List;

/** Decodes one client text frame and answers it as the protocol says. */
final class RequestHandler {
  private final RealHub hub;

  RequestHandler(RealHub hub) {
    this.hub = hub;
  }

  void handle(LiveSession session, String frame) {
    Decoded<ClientRequest> decoded = RequestDecoder.decode(frame, hub.config().maxTextCodePoints());
    if (!decoded.isOk()) {
      session.sendError(decoded.error());
      return;
    }
    ClientRequest request = decoded.value();
    if (request instanceof ClientRequest.Chat r) {
      chat(session, r);
    } else if (request instanceof ClientRequest.Join r) {
      hub.delivery().join(session, r.room(), r.since(), r.cid());
    } else if (request instanceof ClientRequest.Leave r) {
      Room room = memberRoom(session, r.room(), r.cid());
      if (room != null) {
        hub.delivery().leave(session, room, r.cid());
      }
    } else if (request instanceof ClientRequest.History r) {
      history(session, r);
    } else if (request instanceof ClientRequest.Members r) {
      members(session, r);
    } else if (request instanceof ClientRequest.NickChange r) {
      nick(session, r);
    } else if (request instanceof ClientRequest.Dm r) {
      dm(session, r);
    } else if (request instanceof ClientRequest.Ping r) {
      session.send(new ServerEvent.Pong(r.cid()));
    }
  }

  /** The named room (or the current one when {@code name} is null) if the session is in it. */
  private Room memberRoom(LiveSession session, RoomName name, String cid) {
    Room room = name == null ? session.currentRoom() : session.room(name);
    if (room == null) {
      session.sendError(ErrorCode.NOT_MEMBER,
          name == null ? "not in any room; join one first" : "not a member of " + name, cid);
    }
    return room;
  }

  private void chat(LiveSession session, ClientRequest.Chat r) {
    Room room = memberRoom(session, r.room(), r.cid());
    if (room == null) {
      return;
    }
    MessageDraft draft = new MessageDraft(hub.nextId(), room.name(), session.nick(), r.text(),
        hub.clock().millis(), r.cid());
    hub.delivery().submit(draft, session, null);
  }

  private void history(LiveSession session, ClientRequest.History r) {
    Room room = memberRoom(session, r.room(), r.cid());
    if (room == null) {
      return;
    }
    long before = r.before() == null ? Long.MAX_VALUE : r.before();
    List<ChatMessage> page;
    try {
      page = hub.delivery().history(room.name(), before, r.limit());
    } catch (RuntimeException e) {
      session.sendError(ErrorCode.SERVER_BUSY, "history is unavailable, try again later", r.cid());
      return;
    }
    session.send(new ServerEvent.HistoryPage(room.name(), page, r.cid()));
  }

  private void members(LiveSession session, ClientRequest.Members r) {
    RoomName name = r.room();
    if (name == null) {
      Room current = session.currentRoom();
      if (current == null) {
        session.sendError(ErrorCode.NOT_MEMBER, "not in any room; name one", r.cid());
        return;
      }
      name = current.name();
    }
    session.send(new ServerEvent.MembersList(name, hub.members(name), r.cid()));
  }

  private void nick(LiveSession session, ClientRequest.NickChange r) {
    String old = session.nick();
    String wanted = r.nick().value();
    if (wanted.equals(old)) {
      session.send(new ServerEvent.NickChanged(wanted, r.cid()));
      return;
    }
    if (!hub.claimNick(wanted, session, false)) {
      session.sendError(ErrorCode.NICK_TAKEN, "nick is taken: " + wanted, r.cid());
      return;
    }
    if (!session.changeNick(wanted)) {
      hub.releaseNick(wanted, session);
      return;
    }
    hub.releaseNick(old, session);
    long version = hub.clustered() == null ? 0 : hub.clustered().renamed(session);
    session.send(new ServerEvent.NickChanged(wanted, r.cid()));
    for (Room room : session.roomsSnapshot()) {
      hub.delivery().nickChanged(session, room, old, version);
    }
  }

  private void dm(LiveSession session, ClientRequest.Dm r) {
    List<LiveSession> targets = hub.nicks().sessionsOf(r.to().value());
    if (targets.isEmpty() && hub.clustered() == null) {
      session.sendError(ErrorCode.NO_SUCH_USER, "no user named " + r.to().value(), r.cid());
      return;
    }
    ServerEvent.DirectMessage dm = new ServerEvent.DirectMessage(hub.nextId(), session.nick(), r.to().value(),
        r.text(), hub.clock().millis());
    if (hub.clustered() != null && !hub.clustered().dmOthers(session, dm, !targets.isEmpty(), r.cid())) {
      return;
    }
    RoomBroadcast broadcast = new RoomBroadcast(dm);
    for (LiveSession target : targets) {
      target.sendShared(broadcast);
    }
    session.send(new ServerEvent.Ack(r.cid(), dm.id(), null, 0, dm.ts()));
  }
}
