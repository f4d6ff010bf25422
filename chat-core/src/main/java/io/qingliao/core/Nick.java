package io.qingliao.core;

import java.util.Objects;

/**
 * A display name as the protocol defines it: 1-32 Unicode code points and no control
 * characters (general categories Cc; format characters are allowed, as in many real names).
 */
public record Nick(String value) {
  public static final int MAX_CODE_POINTS = 32;

  public Nick {
    Objects.requireNonNull(value, "value");
    if (!isValid(value)) {
      throw new IllegalArgumentException("invalid nick");
    }
  }

  /** True when {@code candidate} obeys the protocol's nick rules. Never throws. */
  public static boolean isValid(String candidate) {
    if (candidate == null || candidate.isEmpty() || candidate.length() > MAX_CODE_POINTS * 2) {
      return false;
    }
    int count = 0;
    for (int i = 0; i < candidate.length(); ) {
      int cp = candidate.codePointAt(i);
      if (Character.isISOControl(cp) || Character.getType(cp) == Character.SURROGATE) {
        return false;
      }
      count++;
      i += Character.charCount(cp);
    }
    return count <= MAX_CODE_POINTS;
  }

  @Override
  public String toString() {
    return value;
  }
}
