package io.qingliao.client;

import java.time.Duration;

/**
 * Fault injection on one {@link SocketTask}, to test what a back end sees from a phone on a bad
 * network. Get one with {@link Wx#faults(SocketTask)}.
 */
public interface SocketFaults {
  /**
   * Drops the connection without a close frame, as a lost network does. The task reports
   * {@code onError} ({@link WxMessages#errorAbnormalClosure()}) and then {@code onClose} with code
   * 1006; the server sees the TCP connection end. Does nothing on a task that is already closed.
   */
  void dropConnection();

  /**
   * Delays every later incoming event of the task (messages, and the close or failure after
   * them) by {@code delay}, keeping their order. {@link Duration#ZERO} stops delaying; events
   * already delayed keep their time.
   */
  void delayIncoming(Duration delay);
}
