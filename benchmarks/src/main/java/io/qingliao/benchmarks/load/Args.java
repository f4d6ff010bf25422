package io.qingliao.benchmarks.load;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** {@code --key=value} arguments (picocli is not on this module's classpath). */
final class Args {
  private final Map<String, String> values = new LinkedHashMap<>();
  private final Set<String> known;

  Args(String[] args, int from, Set<String> known) {
    this.known = known;
    for (int i = from; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) {
        throw new IllegalArgumentException("expected --key=value, got '" + a + "'");
      }
      int eq = a.indexOf('=');
      String key = eq < 0 ? a.substring(2) : a.substring(2, eq);
      String value = eq < 0 ? "true" : a.substring(eq + 1);
      if (!known.contains(key)) {
        throw new IllegalArgumentException("unknown option --" + key + "; known: " + known);
      }
      values.put(key, value);
    }
  }

  String string(String key, String dflt) {
    return values.getOrDefault(key, dflt);
  }

  int integer(String key, int dflt) {
    String v = values.get(key);
    return v == null ? dflt : Integer.parseInt(v.replace("_", "").replace(",", ""));
  }

  double decimal(String key, double dflt) {
    String v = values.get(key);
    return v == null ? dflt : Double.parseDouble(v);
  }

  boolean flag(String key) {
    return Boolean.parseBoolean(values.getOrDefault(key, "false"));
  }

  boolean has(String key) {
    return values.containsKey(key);
  }

  Set<String> known() {
    return known;
  }
}
