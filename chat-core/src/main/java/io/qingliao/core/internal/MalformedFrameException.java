package io.qingliao.core.internal;

/**
 * A frame that is not acceptable JSON, or not the shape the protocol wants. Internal to the
 * codec: it never leaves {@link io.qingliao.core.ProtocolCodec}, which turns it into an error value.
 */
public final class MalformedFrameException extends Exception {
  private final String cid;

  public MalformedFrameException(String message, String cid) {
    super(message, null, false, false);
    this.cid = cid;
  }

  /** The request's cid, if it was read before the problem was found. */
  public String cid() {
    return cid;
  }
}
