package io.qingliao.core.internal;

import io.qingliao.core.ErrorCode;
import io.qingliao.core.HubSession;
import io.qingliao.core.OutboundFrame;
import io.qingliao.core.OutputFormat;
import io.qingliao.core.ProtocolError;
import io.qingliao.core.RoomName;
import io.qingliao.core.ServerEvent;
import io.qingliao.core.SessionTransport;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One connection inside the hub. Frames arrive in order on the transport's thread; the rooms
 * and the rate-limit state are guarded by this object's monitor because the hub's own cleanup
 * (after a close or a drop) may run on another thread.
 */
final class LiveSession implements HubSession {
  private final RealHub hub;
  private final String id;
  private final SessionTransport transport;
  private final OutputFormat format;
  private final String subject;
  private final long slowConsumerBytes;
  private final AtomicBoolean closing = new AtomicBoolean();
  /** Rooms in join order; the last is the current room. */
  private final LinkedHashMap<RoomName, Room> rooms = new LinkedHashMap<>();
  private final TokenBucket bucket;
  private int refusedInRow;
  private volatile String nick;

  LiveSession(RealHub hub, String id, SessionTransport transport, OutputFormat format, String subject,
      long slowConsumerBytes, TokenBucket bucket) {
    this.hub = hub;
    this.id = id;
    this.transport = transport;
    this.format = format;
    this.subject = subject;
    this.slowConsumerBytes = slowConsumerBytes;
    this.bucket = bucket;
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public String nick() {
    return nick;
  }

  void nick(String newNick) {
    nick = newNick;
  }

  /**
   * Changes the nick unless the session is closing; the close cleanup reads the nick under the
   * same lock, so a nick is never claimed by a session that has already been cleaned up.
   */
  synchronized boolean changeNick(String newNick) {
    if (closing.get()) {
      return false;
    }
    nick = newNick;
    return true;
  }

  /** The nick to release when closing; call after {@link #markClosing}. */
  synchronized String finalNick() {
    return nick;
  }

  String subject() {
    return subject;
  }

  OutputFormat format() {
    return format;
  }

  SessionTransport transport() {
    return transport;
  }

  boolean isClosing() {
    return closing.get();
  }

  /** Marks the session as closing; true for the one caller that did it first. */
  boolean markClosing() {
    return closing.compareAndSet(false, true);
  }

  @Override
  public void onText(String frame) {
    if (closing.get()) {
      return;
    }
    hub.onText(this, frame);
  }

  @Override
  public void onBinary(ByteBuffer data) {
    if (closing.get()) {
      return;
    }
    hub.onBinary(this, data);
  }

  @Override
  public void onClose(int code, String reason) {
    hub.onTransportClosed(this, code);
  }

  // ---- rate limit ----

  /** Counts one frame; true when it may be handled, false when refused. */
  synchronized boolean admitFrame(long nowMillis) {
    if (bucket.tryTake(nowMillis)) {
      refusedInRow = 0;
      return true;
    }
    refusedInRow++;
    return false;
  }

  synchronized int refusedInRow() {
    return refusedInRow;
  }

  // ---- rooms ----

  /** Adds {@code room} as the current room; false when the session is already closing. */
  synchronized boolean enterRoom(Room room) {
    if (closing.get()) {
      return false;
    }
    rooms.remove(room.name());
    rooms.put(room.name(), room);
    return true;
  }

  synchronized void exitRoom(Room room) {
    rooms.remove(room.name(), room);
  }

  synchronized boolean isIn(RoomName name) {
    return rooms.containsKey(name);
  }

  synchronized int roomCount() {
    return rooms.size();
  }

  /** The current room (last joined of the rooms the session is in), or null. */
  synchronized Room currentRoom() {
    Room current = null;
    for (Room r : rooms.values()) {
      current = r;
    }
    return current;
  }

  synchronized Room room(RoomName name) {
    return rooms.get(name);
  }

  synchronized List<Room> roomsSnapshot() {
    return new ArrayList<>(rooms.values());
  }

  // ---- output ----

  /** Sends an event to this session alone, in its format. */
  void send(ServerEvent event) {
    if (write(event)) {
      checkSlow();
    }
  }

  /**
   * Sends the answer to one of this session's own chats (its ack, or why none comes) without the
   * slow-consumer check. The ack follows the chat's broadcast once the store has it on disk, and
   * by then the broadcast may still be on its way to this client: one group commit may carry
   * more than the limit, which is allowed (the broadcast itself was checked, see {@link
   * #sendShared}). What is sent here is one small frame per frame the client sent, so the rate
   * limit bounds it; the client's next broadcast is checked again.
   */
  void reply(ServerEvent event) {
    write(event);
  }

  private boolean write(ServerEvent event) {
    if (closing.get()) {
      return false;
    }
    if (format == OutputFormat.JSON) {
      transport.sendText(EventEncoder.encode(event));
    } else {
      for (String frame : TextRendering.render(event)) {
        transport.sendText(frame);
      }
    }
    return true;
  }

  void sendError(ProtocolError error) {
    send(error.toEvent());
    hub.listeners().errorSent(id, error.code());
  }

  void sendError(ErrorCode code, String message, String cid) {
    sendError(new ProtocolError(code, message, cid));
  }

  /** Sends a frame shared with other receivers; the fan-out hot path. False if not sent. */
  boolean sendShared(RoomBroadcast broadcast) {
    if (closing.get()) {
      return false;
    }
    OutboundFrame frame = broadcast.frame(format);
    if (frame == null) {
      return false;
    }
    transport.sendFrame(frame);
    checkSlow();
    return true;
  }

  /** Relays binary data; text-format sessions do not get binary frames. */
  void sendBinary(ByteBuffer data) {
    if (closing.get() || format != OutputFormat.JSON) {
      return;
    }
    transport.sendBinary(data);
    checkSlow();
  }

  private void checkSlow() {
    if (transport.queuedBytes() > slowConsumerBytes) {
      hub.dropSlowConsumer(this);
    }
  }
}
