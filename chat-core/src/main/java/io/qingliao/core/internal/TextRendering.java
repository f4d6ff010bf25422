package io.qingliao.core.internal;

import io.qingliao.core.ChatMessage;
import io.qingliao.core.ServerEvent;
import java.util.ArrayList;
import java.util.List;

/** The legacy {@code format=text} rendering: plain text frames as the original page shows them. */
public final class TextRendering {
  private TextRendering() {}

  /** The text frames a {@code format=text} session gets for {@code event}, in order; often none. */
  public static List<String> render(ServerEvent event) {
    if (event instanceof ServerEvent.ChatEvent e) {
      return List.of(chat(e.message()));
    } else if (event instanceof ServerEvent.DirectMessage e) {
      return List.of(e.from() + ": " + e.text());
    } else if (event instanceof ServerEvent.SystemEvent e) {
      return List.of(e.text());
    } else if (event instanceof ServerEvent.ErrorEvent e) {
      return List.of("error: " + e.message());
    } else if (event instanceof ServerEvent.Joined e) {
      List<String> frames = new ArrayList<>(e.history().size());
      for (ChatMessage m : e.history()) {
        frames.add(chat(m));
      }
      return frames;
    }
    return List.of();
  }

  /** {@code from: text}, the legacy rendering of one chat message. */
  public static String chat(ChatMessage m) {
    return m.from() + ": " + m.text();
  }
}
