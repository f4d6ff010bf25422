package io.qingliao.core.internal;

import com.google.gson.stream.JsonWriter;
import io.qingliao.core.ClientRequest;
import io.qingliao.core.RoomName;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/** {@link ClientRequest} to its JSON text frame, for the Java client. Null fields are left out. */
public final class RequestEncoder {
  private RequestEncoder() {}

  public static String encode(ClientRequest request) {
    StringWriter out = new StringWriter(96);
    try (JsonWriter w = new JsonWriter(out)) {
      w.beginObject();
      w.name("type").value(request.type());
      if (request instanceof ClientRequest.Chat r) {
        w.name("text").value(r.text());
        room(w, r.room());
      } else if (request instanceof ClientRequest.Join r) {
        room(w, r.room());
        if (r.since() != null) {
          w.name("since").value(r.since());
        }
      } else if (request instanceof ClientRequest.Leave r) {
        room(w, r.room());
      } else if (request instanceof ClientRequest.History r) {
        room(w, r.room());
        if (r.before() != null) {
          w.name("before").value(r.before());
        }
        w.name("limit").value(r.limit());
      } else if (request instanceof ClientRequest.Members r) {
        room(w, r.room());
      } else if (request instanceof ClientRequest.NickChange r) {
        w.name("nick").value(r.nick().value());
      } else if (request instanceof ClientRequest.Dm r) {
        w.name("to").value(r.to().value());
        w.name("text").value(r.text());
      }
      if (request.cid() != null) {
        w.name("cid").value(request.cid());
      }
      w.endObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return out.toString();
  }

  private static void room(JsonWriter w, RoomName room) throws IOException {
    if (room != null) {
      w.name("room").value(room.value());
    }
  }
}
