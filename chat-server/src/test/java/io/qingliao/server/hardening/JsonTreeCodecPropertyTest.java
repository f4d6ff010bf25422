package io.qingliao.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.qingliao.core.ClientRequest;
import io.qingliao.core.Decoded;
import io.qingliao.core.ProtocolCodec;
import io.qingliao.core.ServerEvent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AddLifecycleHook;

/**
 * chat-core's codec fed generated JSON <em>values</em> (trees of objects, arrays, strings,
 * numbers of every size, booleans and nulls), where its own property test feeds strings:
 * decoding never throws and always gives a value or an error, and whatever decodes to a
 * request encodes back to JSON that decodes to the same request. jqwik runs these, not Jupiter:
 * {@link PropertyLimits} stands in for {@code @Timeout} and {@code NoLeakedThreads}.
 */
@AddLifecycleHook(PropertyLimits.class)
class JsonTreeCodecPropertyTest {
  private static final List<String> TYPES =
      List.of("chat", "join", "leave", "history", "members", "nick", "dm", "ping", "pong", "welcome", "x");
  private static final List<String> FIELDS =
      List.of("type", "text", "room", "since", "before", "limit", "nick", "to", "cid", "extra");

  @Property(tries = 3000)
  void anyJsonValueDecodesToAValueOrAnErrorWithoutThrowing(@ForAll("trees") JsonElement tree) {
    String frame = tree.toString();
    Decoded<ClientRequest> request = ProtocolCodec.decodeRequest(frame);
    assertThat(request.isOk() ^ request.error() != null).isTrue();
    Decoded<ServerEvent> event = ProtocolCodec.decodeEvent(frame);
    assertThat(event.isOk() ^ event.error() != null).isTrue();
  }

  @Property(tries = 5000)
  void requestShapedTreesNeverThrowAndWhatDecodesRoundTrips(@ForAll("requestLike") JsonObject object) {
    Decoded<ClientRequest> decoded = ProtocolCodec.decodeRequest(object.toString());
    assertThat(decoded.isOk() ^ decoded.error() != null).isTrue();
    if (decoded.isOk()) {
      ClientRequest request = decoded.value();
      assertThat(ProtocolCodec.decodeRequest(ProtocolCodec.encodeRequest(request)).value()).isEqualTo(request);
    } else {
      assertThat(decoded.error().code()).isNotNull();
    }
  }

  @Provide
  Arbitrary<JsonElement> trees() {
    return tree(4);
  }

  /** Objects with a known (or unknown) type and protocol fields holding any JSON value. */
  @Provide
  Arbitrary<JsonObject> requestLike() {
    Arbitrary<JsonElement> value = Arbitraries.frequencyOf(
        Tuple.of(6, strings()),
        Tuple.of(3, numbers()),
        Tuple.of(1, tree(2)));
    Arbitrary<Map<String, JsonElement>> fields = Arbitraries.maps(Arbitraries.of(FIELDS), value).ofMaxSize(5);
    return Arbitraries.of(TYPES).injectNull(0.05).flatMap(type -> fields.map(map -> {
      JsonObject object = new JsonObject();
      if (type != null) {
        object.addProperty("type", type);
      }
      map.forEach((k, v) -> {
        if (!k.equals("type")) {
          object.add(k, v);
        }
      });
      return object;
    }));
  }

  private static Arbitrary<JsonElement> tree(int depth) {
    Arbitrary<JsonElement> leaves = Arbitraries.frequencyOf(
        Tuple.of(4, strings()),
        Tuple.of(3, numbers()),
        Tuple.of(1, Arbitraries.of(true, false).map(JsonPrimitive::new)),
        Tuple.of(1, Arbitraries.just(JsonNull.INSTANCE)));
    if (depth == 0) {
      return leaves;
    }
    Arbitrary<JsonElement> child = Arbitraries.lazy(() -> tree(depth - 1));
    Arbitrary<JsonElement> arrays = child.list().ofMaxSize(4).map(items -> {
      JsonArray array = new JsonArray();
      items.forEach(array::add);
      return array;
    });
    Arbitrary<JsonElement> objects = Arbitraries.maps(keys(), child).ofMaxSize(4).map(map -> {
      JsonObject object = new JsonObject();
      map.forEach(object::add);
      return object;
    });
    return Arbitraries.frequencyOf(Tuple.of(3, leaves), Tuple.of(1, arrays), Tuple.of(2, objects));
  }

  private static Arbitrary<String> keys() {
    return Arbitraries.oneOf(List.of(Arbitraries.of(FIELDS), Arbitraries.strings().ofMaxLength(8)));
  }

  /** Strings of every sort: names, room-like, control characters, lone surrogates, long ones. */
  private static Arbitrary<JsonElement> strings() {
    return Arbitraries.oneOf(List.of(
        Arbitraries.of(TYPES),
        Arbitraries.of("lobby", "大厅", "a b", "", " ", "\u0000", "\ud800", "😀", "x".repeat(5000), "字".repeat(4097)),
        Arbitraries.strings().ofMaxLength(70),
        Arbitraries.strings().withChars("abc大厅_-.").ofMinLength(1).ofMaxLength(70)))
        .map(JsonPrimitive::new);
  }

  /** Safe integers, their edges, and numbers the protocol refuses (fractions, exponents, huge). */
  private static Arbitrary<JsonElement> numbers() {
    long safe = (1L << 53) - 1;
    return Arbitraries.oneOf(List.of(
        Arbitraries.longs().between(-1_000, 1_000),
        Arbitraries.of(0L, 1L, 50L, 100L, 101L, -1L, safe, safe + 1, -safe, Long.MAX_VALUE, Long.MIN_VALUE),
        Arbitraries.bigIntegers().between(BigInteger.TEN.pow(30).negate(), BigInteger.TEN.pow(30)),
        Arbitraries.doubles(),
        Arbitraries.of(new BigDecimal("1e999999"), new BigDecimal("-1e-999999"), new BigDecimal("1.0"))))
        .map(n -> new JsonPrimitive((Number) n));
  }
}
