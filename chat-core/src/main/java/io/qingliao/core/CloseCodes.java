package io.qingliao.core;

/** WebSocket close codes the protocol uses, with their reasons. */
public final class CloseCodes {
  public static final int NORMAL = 1000;
  public static final int GOING_AWAY = 1001;
  public static final int INVALID_PAYLOAD = 1007;
  public static final int POLICY_VIOLATION = 1008;
  public static final int MESSAGE_TOO_BIG = 1009;
  public static final int IDLE = 4000;
  public static final int UNAUTHORIZED = 4001;
  public static final int SLOW_CONSUMER = 4008;

  public static final String REASON_IDLE = "idle";
  public static final String REASON_UNAUTHORIZED = "unauthorized";
  public static final String REASON_SLOW_CONSUMER = "slow consumer";
  public static final String REASON_RATE_LIMITED = "rate limited";
  public static final String REASON_TOO_BIG = "message too big";
  public static final String REASON_SHUTDOWN = "server shutting down";

  private CloseCodes() {}
}
