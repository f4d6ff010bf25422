package io.qingliao.core.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;

/**
 * Reads one JSON object from a frame with hard limits, so that hostile input costs time and
 * memory proportional to its length and nothing more: nesting deeper than {@link #MAX_DEPTH}
 * stops the read at that depth, more values than the caller allows stops it, a number that is
 * not a safe integer (|n| &le; 2^53-1, digits only) and a duplicate key are refused.
 * The reader is strict RFC 8259 JSON: no comments, no single quotes, no trailing data.
 */
public final class BoundedJsonReader {
  public static final int MAX_DEPTH = 16;
  /** Values allowed in a client request: a request has a handful of fields. */
  public static final int MAX_REQUEST_VALUES = 10_000;
  /** Values allowed in a server event: a {@code joined} replay of 1,000 messages has ~9,000. */
  public static final int MAX_EVENT_VALUES = 2_000_000;
  public static final long MAX_SAFE_INTEGER = (1L << 53) - 1;

  private final JsonReader reader;
  private final int maxValues;
  private int values;
  private String topLevelCid;

  private BoundedJsonReader(String text, int maxValues) {
    this.maxValues = maxValues;
    reader = new JsonReader(new StringReader(text));
    reader.setStrictness(Strictness.STRICT);
    reader.setNestingLimit(MAX_DEPTH + 1);
  }

  /** The frame's top-level object; throws {@link MalformedFrameException} for anything else. */
  public static JsonObject readObject(String text, int maxValues) throws MalformedFrameException {
    BoundedJsonReader bounded = new BoundedJsonReader(text, maxValues);
    try {
      if (bounded.reader.peek() != JsonToken.BEGIN_OBJECT) {
        throw new MalformedFrameException("frame is not a JSON object", null);
      }
      JsonObject root = bounded.readObject(1);
      if (bounded.reader.peek() != JsonToken.END_DOCUMENT) {
        throw new MalformedFrameException("trailing data after the JSON object", bounded.topLevelCid);
      }
      return root;
    } catch (MalformedFrameException e) {
      throw e.cid() == null ? new MalformedFrameException(e.getMessage(), bounded.topLevelCid) : e;
    } catch (IOException | RuntimeException e) {
      // Gson reports syntax errors as MalformedJsonException (an IOException) and some states as
      // IllegalStateException; both mean the frame is not acceptable JSON.
      throw new MalformedFrameException("malformed JSON", bounded.topLevelCid);
    } catch (StackOverflowError e) {
      throw new MalformedFrameException("malformed JSON", bounded.topLevelCid);
    }
  }

  private JsonObject readObject(int depth) throws IOException, MalformedFrameException {
    JsonObject object = new JsonObject();
    reader.beginObject();
    while (reader.hasNext()) {
      String name = reader.nextName();
      if (object.has(name)) {
        throw new MalformedFrameException("duplicate key: " + abbreviate(name), null);
      }
      JsonElement value = readValue(depth);
      if (depth == 1 && name.equals("cid") && value.isJsonPrimitive() && value.getAsJsonPrimitive().isString()
          && value.getAsString().length() <= 64) {
        topLevelCid = value.getAsString();
      }
      object.add(name, value);
    }
    reader.endObject();
    return object;
  }

  private JsonArray readArray(int depth) throws IOException, MalformedFrameException {
    JsonArray array = new JsonArray();
    reader.beginArray();
    while (reader.hasNext()) {
      array.add(readValue(depth));
    }
    reader.endArray();
    return array;
  }

  private JsonElement readValue(int depth) throws IOException, MalformedFrameException {
    if (++values > maxValues) {
      throw new MalformedFrameException("too many values", null);
    }
    JsonToken token = reader.peek();
    switch (token) {
      case BEGIN_OBJECT:
      case BEGIN_ARRAY:
        if (depth >= MAX_DEPTH) {
          throw new MalformedFrameException("nesting too deep", null);
        }
        return token == JsonToken.BEGIN_OBJECT ? readObject(depth + 1) : readArray(depth + 1);
      case STRING:
        return new JsonPrimitive(reader.nextString());
      case NUMBER:
        return new JsonPrimitive(safeInteger(reader.nextString()));
      case BOOLEAN:
        return new JsonPrimitive(reader.nextBoolean());
      case NULL:
        reader.nextNull();
        return JsonNull.INSTANCE;
      default:
        throw new MalformedFrameException("malformed JSON", null);
    }
  }

  /** The integer that {@code literal} denotes, if it is a safe integer written with digits only. */
  static long safeInteger(String literal) throws MalformedFrameException {
    int start = literal.startsWith("-") ? 1 : 0;
    int digits = literal.length() - start;
    if (digits < 1 || digits > 16) {
      throw new MalformedFrameException("number is not a safe integer", null);
    }
    for (int i = start; i < literal.length(); i++) {
      char c = literal.charAt(i);
      if (c < '0' || c > '9') {
        throw new MalformedFrameException("number is not a safe integer", null);
      }
    }
    long value = Long.parseLong(literal);
    if (Math.abs(value) > MAX_SAFE_INTEGER) {
      throw new MalformedFrameException("number is not a safe integer", null);
    }
    return value;
  }

  private static String abbreviate(String s) {
    return s.length() <= 32 ? s : s.substring(0, 32) + "…";
  }
}
