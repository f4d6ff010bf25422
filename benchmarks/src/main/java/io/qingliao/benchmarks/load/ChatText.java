package io.qingliao.benchmarks.load;

import java.nio.charset.StandardCharsets;

/**
 * The chat frame every server gets, {@code {"type":"chat","text":"qlb:ID:SENDER:NANOTIME …"}},
 * and how a receiver finds those numbers again in whatever comes back (Qingliao's {@code chat}
 * event, Node's echo of the frame itself), without a JSON parser on the hot path.
 */
final class ChatText {
  private static final byte[] MARKER = "qlb:".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ERROR = "\"type\":\"error\"".getBytes(StandardCharsets.US_ASCII);

  private ChatText() {}

  /** The UTF-8 JSON frame for message {@code id} of connection {@code sender}, sent at {@code nanoTime}. */
  static byte[] frame(int id, int sender, long nanoTime) {
    String json = "{\"type\":\"chat\",\"text\":\"qlb:" + id + ":" + sender + ":" + nanoTime
        + " 你好，轻聊！hello from the load test\"}";
    return json.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Finds the marker in {@code b[off, off+len)} and puts the message id in {@code out[0]} and the
   * send time in {@code out[1]}; false when the frame carries no marker.
   */
  static boolean parse(byte[] b, int off, int len, long[] out) {
    int end = off + len;
    int m = indexOf(b, off, end, MARKER);
    if (m < 0) {
      return false;
    }
    int p = m + MARKER.length;
    long id = 0;
    while (p < end && b[p] >= '0' && b[p] <= '9') {
      id = id * 10 + (b[p++] - '0');
    }
    p++; // ':'
    while (p < end && b[p] >= '0' && b[p] <= '9') {
      p++; // the sender, already known from the id
    }
    p++;
    boolean negative = p < end && b[p] == '-';
    if (negative) {
      p++;
    }
    long sentAt = 0;
    while (p < end && b[p] >= '0' && b[p] <= '9') {
      sentAt = sentAt * 10 + (b[p++] - '0');
    }
    out[0] = id;
    out[1] = negative ? -sentAt : sentAt;
    return true;
  }

  /** Whether the frame is a Qingliao {@code error} event (e.g. {@code rate_limited}). */
  static boolean isError(byte[] b, int off, int len) {
    return indexOf(b, off, off + len, ERROR) >= 0;
  }

  private static int indexOf(byte[] b, int from, int to, byte[] needle) {
    byte first = needle[0];
    outer:
    for (int i = from; i <= to - needle.length; i++) {
      if (b[i] != first) {
        continue;
      }
      for (int j = 1; j < needle.length; j++) {
        if (b[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
