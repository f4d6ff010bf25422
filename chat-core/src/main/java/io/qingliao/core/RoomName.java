package io.qingliao.core;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A room name as the protocol defines it: 1-64 code points, each a Unicode letter, mark or
 * decimal digit, or one of {@code _ - .}. Names are compared exactly, without normalization,
 * so {@code 大厅} is valid and distinct from any other spelling.
 */
public record RoomName(String value) implements Comparable<RoomName> {
  public static final int MAX_CODE_POINTS = 64;

  // Declared before LOBBY: static fields initialize in order, and LOBBY's constructor uses it.
  private static final Pattern ALLOWED = Pattern.compile("[\\p{L}\\p{M}\\p{Nd}_.\\-]+");

  public static final RoomName LOBBY = new RoomName("lobby");

  public RoomName {
    Objects.requireNonNull(value, "value");
    if (!isValid(value)) {
      throw new IllegalArgumentException("invalid room name");
    }
  }

  /** True when {@code candidate} obeys the protocol's room-name rules. Never throws. */
  public static boolean isValid(String candidate) {
    if (candidate == null || candidate.isEmpty() || candidate.length() > MAX_CODE_POINTS * 2) {
      return false;
    }
    int codePoints = candidate.codePointCount(0, candidate.length());
    return codePoints <= MAX_CODE_POINTS && ALLOWED.matcher(candidate).matches();
  }

  @Override
  public int compareTo(RoomName other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
