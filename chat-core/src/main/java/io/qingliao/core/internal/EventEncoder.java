package io.qingliao.core.internal;

import com.google.gson.stream.JsonWriter;
import io.qingliao.core.ChatMessage;
import io.qingliao.core.ServerEvent;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;

/** {@link ServerEvent} to its JSON text frame. Null cids (and a dm ack's room and seq) are left out. */
public final class EventEncoder {
  private EventEncoder() {}

  public static String encode(ServerEvent event) {
    StringWriter out = new StringWriter(128);
    try (JsonWriter w = new JsonWriter(out)) {
      write(w, event);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return out.toString();
  }

  private static void write(JsonWriter w, ServerEvent event) throws IOException {
    if (event instanceof ServerEvent.ChatEvent chat) {
      writeChat(w, chat.message());
      return;
    }
    w.beginObject();
    w.name("type").value(event.type());
    if (event instanceof ServerEvent.Welcome e) {
      w.name("session").value(e.session());
      w.name("nick").value(e.nick());
      w.name("heartbeat").value(e.heartbeat());
      w.name("server").value(e.server());
    } else if (event instanceof ServerEvent.Joined e) {
      w.name("room").value(e.room().value());
      writeStrings(w.name("members"), e.members());
      w.name("seq").value(e.seq());
      writeChats(w.name("history"), e.history());
      w.name("truncated").value(e.truncated());
      cid(w, e.cid());
    } else if (event instanceof ServerEvent.SystemEvent e) {
      w.name("room").value(e.room().value());
      w.name("event").value(e.event().wire());
      w.name("nick").value(e.nick());
      if (e.old() != null) {
        w.name("old").value(e.old());
      }
      w.name("text").value(e.text());
      w.name("members").value(e.members());
      w.name("ts").value(e.ts());
    } else if (event instanceof ServerEvent.Ack e) {
      cid(w, e.cid());
      w.name("id").value(e.id());
      if (e.room() != null) {
        w.name("room").value(e.room().value());
      }
      if (e.seq() > 0) {
        w.name("seq").value(e.seq());
      }
      w.name("ts").value(e.ts());
    } else if (event instanceof ServerEvent.Left e) {
      w.name("room").value(e.room().value());
      cid(w, e.cid());
    } else if (event instanceof ServerEvent.NickChanged e) {
      w.name("nick").value(e.nick());
      cid(w, e.cid());
    } else if (event instanceof ServerEvent.HistoryPage e) {
      w.name("room").value(e.room().value());
      writeChats(w.name("messages"), e.messages());
      cid(w, e.cid());
    } else if (event instanceof ServerEvent.MembersList e) {
      w.name("room").value(e.room().value());
      writeStrings(w.name("members"), e.members());
      cid(w, e.cid());
    } else if (event instanceof ServerEvent.DirectMessage e) {
      w.name("id").value(e.id());
      w.name("from").value(e.from());
      w.name("to").value(e.to());
      w.name("text").value(e.text());
      w.name("ts").value(e.ts());
    } else if (event instanceof ServerEvent.Pong e) {
      cid(w, e.cid());
    } else if (event instanceof ServerEvent.ErrorEvent e) {
      w.name("code").value(e.code().wire());
      w.name("message").value(e.message());
      cid(w, e.cid());
    } else {
      throw new IllegalArgumentException("unknown event " + event);
    }
    w.endObject();
  }

  static void writeChat(JsonWriter w, ChatMessage m) throws IOException {
    w.beginObject();
    w.name("type").value("chat");
    w.name("id").value(m.id());
    w.name("room").value(m.room().value());
    w.name("seq").value(m.seq());
    w.name("from").value(m.from());
    w.name("text").value(m.text());
    w.name("ts").value(m.ts());
    cid(w, m.cid());
    w.endObject();
  }

  private static void writeChats(JsonWriter w, List<ChatMessage> messages) throws IOException {
    w.beginArray();
    for (ChatMessage m : messages) {
      writeChat(w, m);
    }
    w.endArray();
  }

  private static void writeStrings(JsonWriter w, List<String> values) throws IOException {
    w.beginArray();
    for (String v : values) {
      w.value(v);
    }
    w.endArray();
  }

  private static void cid(JsonWriter w, String cid) throws IOException {
    if (cid != null) {
      w.name("cid").value(cid);
    }
  }
}
