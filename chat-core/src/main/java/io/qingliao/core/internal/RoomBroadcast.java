package io.qingliao.core.internal;

import io.qingliao.core.OutboundFrame;
import io.qingliao.core.OutputFormat;
import io.qingliao.core.ServerEvent;
import java.util.List;

/**
 * One event sent to many sessions: encoded at most once per output format, on first need, and
 * the same {@link OutboundFrame} handed to every receiver. Used by one delivering thread at a time.
 */
final class RoomBroadcast {
  private final ServerEvent event;
  private OutboundFrame json;
  private OutboundFrame text;
  private boolean textRendered;

  RoomBroadcast(ServerEvent event) {
    this.event = event;
  }

  /** The frame for {@code format}, or null when that format does not show this event. */
  OutboundFrame frame(OutputFormat format) {
    if (format == OutputFormat.JSON) {
      OutboundFrame frame = json;
      if (frame == null) {
        frame = new OutboundFrame(EventEncoder.encode(event));
        json = frame;
      }
      return frame;
    }
    if (!textRendered) {
      List<String> frames = TextRendering.render(event);
      text = frames.isEmpty() ? null : new OutboundFrame(String.join("\n", frames));
      textRendered = true;
    }
    return text;
  }
}
