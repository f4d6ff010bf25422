package io.qingliao.core.internal;

import io.qingliao.core.ErrorCode;
import io.qingliao.core.ProtocolError;

/** The protocol's rules for chat and dm text. */
public final class TextRules {
  private TextRules() {}

  /** Null when {@code text} is acceptable; otherwise the error (without cid) to answer. */
  public static ProtocolError check(String text, int maxCodePoints) {
    if (hasLoneSurrogate(text)) {
      return new ProtocolError(ErrorCode.BAD_REQUEST, "text is not valid Unicode", null);
    }
    if (!hasNonWhiteSpace(text)) {
      return new ProtocolError(ErrorCode.BAD_REQUEST, "text must contain a non-white-space character", null);
    }
    if (text.length() > maxCodePoints && text.codePointCount(0, text.length()) > maxCodePoints) {
      return new ProtocolError(ErrorCode.TOO_LONG, "text is longer than " + maxCodePoints + " characters", null);
    }
    return null;
  }

  /** True when {@code text} has a surrogate that is not half of a pair (not encodable as UTF-8). */
  public static boolean hasLoneSurrogate(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return true;
      }
    }
    return false;
  }

  /** True when {@code text} holds a code point outside Unicode's White_Space property. */
  public static boolean hasNonWhiteSpace(String text) {
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      if (!isWhiteSpace(cp)) {
        return true;
      }
      i += Character.charCount(cp);
    }
    return false;
  }

  /** Unicode's {@code White_Space} property (PropList.txt), which Java has no direct test for. */
  public static boolean isWhiteSpace(int cp) {
    return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
        || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
        || cp == 0x205F || cp == 0x3000;
  }
}
