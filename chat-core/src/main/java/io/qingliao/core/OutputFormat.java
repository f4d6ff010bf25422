package io.qingliao.core;

/** What a session receives: the JSON protocol or the legacy plain-text rendering. */
public enum OutputFormat {
  JSON,
  /** {@code format=text}: plain text frames as the original mini-program page shows them. */
  TEXT;

  /** Parses the {@code format} query value; {@code null} or blank means JSON. */
  public static OutputFormat fromQuery(String value) {
    if (value == null || value.isBlank() || value.equalsIgnoreCase("json")) {
      return JSON;
    }
    if (value.equalsIgnoreCase("text")) {
      return TEXT;
    }
    return JSON;
  }
}
