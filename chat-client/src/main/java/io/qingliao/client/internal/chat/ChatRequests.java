package io.qingliao.client.internal.chat;

import io.qingliao.client.ChatClient;
import io.qingliao.core.ClientRequest;
import io.qingliao.core.Nick;
import io.qingliao.core.RoomName;
import io.qingliao.core.ServerEvent;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The typed requests of {@link ChatClient}: argument checks (which throw at once) and the shape
 * of each request. How a request travels and is answered is {@link RealChatClient}'s business.
 */
abstract class ChatRequests implements ChatClient {

  /** Sends the request {@code make} builds for a fresh cid; the future completes with its reply. */
  abstract <T extends ServerEvent> CompletableFuture<T> request(Function<String, ClientRequest> make,
      Class<T> replyType);

  @Override
  public CompletableFuture<ServerEvent.Ack> send(String text) {
    return request(cid -> new ClientRequest.Chat(text, null, cid), ServerEvent.Ack.class);
  }

  @Override
  public CompletableFuture<ServerEvent.Ack> send(String room, String text) {
    RoomName name = new RoomName(room);
    return request(cid -> new ClientRequest.Chat(text, name, cid), ServerEvent.Ack.class);
  }

  @Override
  public CompletableFuture<ServerEvent.Joined> join(String room) {
    RoomName name = new RoomName(room);
    return request(cid -> new ClientRequest.Join(name, null, cid), ServerEvent.Joined.class);
  }

  @Override
  public CompletableFuture<ServerEvent.Joined> join(String room, long since) {
    RoomName name = new RoomName(room);
    return request(cid -> new ClientRequest.Join(name, since, cid), ServerEvent.Joined.class);
  }

  @Override
  public CompletableFuture<ServerEvent.Left> leave(String room) {
    RoomName name = new RoomName(room);
    return request(cid -> new ClientRequest.Leave(name, cid), ServerEvent.Left.class);
  }

  @Override
  public CompletableFuture<ServerEvent.HistoryPage> history(String room, long before, int limit) {
    RoomName name = new RoomName(room);
    Long beforeOrNewest = before == Long.MAX_VALUE ? null : before;
    return request(cid -> new ClientRequest.History(name, beforeOrNewest, limit, cid), ServerEvent.HistoryPage.class);
  }

  @Override
  public CompletableFuture<ServerEvent.MembersList> members(String room) {
    RoomName name = new RoomName(room);
    return request(cid -> new ClientRequest.Members(name, cid), ServerEvent.MembersList.class);
  }

  @Override
  public CompletableFuture<ServerEvent.NickChanged> nick(String newNick) {
    Nick name = new Nick(newNick);
    return request(cid -> new ClientRequest.NickChange(name, cid), ServerEvent.NickChanged.class);
  }

  @Override
  public CompletableFuture<ServerEvent.Ack> dm(String to, String text) {
    Nick name = new Nick(to);
    return request(cid -> new ClientRequest.Dm(name, text, cid), ServerEvent.Ack.class);
  }

  @Override
  public CompletableFuture<ServerEvent.Pong> ping() {
    return request(ClientRequest.Ping::new, ServerEvent.Pong.class);
  }
}
