package io.qingliao.core;

import io.qingliao.core.internal.EventDecoder;
import io.qingliao.core.internal.EventEncoder;
import io.qingliao.core.internal.RequestDecoder;
import io.qingliao.core.internal.RequestEncoder;
import io.qingliao.core.internal.TextRendering;
import java.util.List;

/**
 * The wire codec of protocol version 1, in both directions: client requests (decoded by the
 * server, encoded by the Java client) and server events (encoded by the server, decoded by the
 * client), plus the legacy {@code format=text} rendering.
 *
 * <p>Decoders never throw: a frame they cannot accept gives a {@link ProtocolError} with the
 * protocol's code and the request's {@code cid} when it could be read. Input is read with hard
 * limits (nesting depth 16, 10,000 values, numbers must be safe integers, duplicate keys are
 * refused), so hostile frames cost time proportional to their length.
 */
public final class ProtocolCodec {
  /** The protocol's default text limit, in code points. */
  public static final int DEFAULT_MAX_TEXT = 4096;

  private ProtocolCodec() {}

  /** Decodes a client text frame with the default text limit. */
  public static Decoded<ClientRequest> decodeRequest(String frame) {
    return decodeRequest(frame, DEFAULT_MAX_TEXT);
  }

  /**
   * Decodes a client text frame: a JSON request, or, when the trimmed frame does not start with
   * {@code &#123;}, a {@link ClientRequest.Chat} of the whole frame into the current room.
   */
  public static Decoded<ClientRequest> decodeRequest(String frame, int maxTextCodePoints) {
    try {
      return RequestDecoder.decode(frame, maxTextCodePoints);
    } catch (RuntimeException e) {
      return Decoded.fail(new ProtocolError(ErrorCode.BAD_REQUEST, "malformed request", null));
    }
  }

  /** Encodes a request as the JSON text frame a client sends. */
  public static String encodeRequest(ClientRequest request) {
    return RequestEncoder.encode(request);
  }

  /** Encodes a server event as its JSON text frame. */
  public static String encodeEvent(ServerEvent event) {
    return EventEncoder.encode(event);
  }

  /** Decodes a server text frame; an unknown type or garbage gives an error value. */
  public static Decoded<ServerEvent> decodeEvent(String frame) {
    try {
      return EventDecoder.decode(frame);
    } catch (RuntimeException e) {
      return Decoded.fail(new ProtocolError(ErrorCode.BAD_REQUEST, "malformed event", null));
    }
  }

  /**
   * The plain text frames a {@code format=text} session receives for {@code event}, in order:
   * {@code from: text} for a chat or dm (one per replayed message of a {@code joined}), the
   * {@code text} of a system event, {@code error: message} for an error, and nothing for the rest.
   */
  public static List<String> renderText(ServerEvent event) {
    return TextRendering.render(event);
  }
}
