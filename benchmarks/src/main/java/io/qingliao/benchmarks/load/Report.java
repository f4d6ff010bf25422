package io.qingliao.benchmarks.load;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * Puts two results of one scenario side by side (the Node baseline and Qingliao): prints them
 * with the ratio, replaces the scenario's table in docs/benchmarks.md (between
 * {@code <!-- load:SCENARIO:begin -->} and {@code end} markers, so a rerun replaces it) and writes
 * an SVG chart to docs/img/load-SCENARIO.svg.
 */
final class Report {
  static final String SECTION = "## End to end: Qingliao vs the original Node server";
  private static final Set<String> OPTIONS = Set.of("scenario", "node", "qingliao", "doc", "img-dir", "command");

  private Report() {}

  static void main(String[] argv) throws IOException {
    Args a = new Args(argv, 0, OPTIONS);
    String scenario = a.string("scenario", "fanout");
    JsonObject node = read(a.string("node", ""));
    JsonObject q = read(a.string("qingliao", ""));
    String table = scenario.equals("conns") ? connsTable(node, q) : chatTable(node, q);
    System.out.println();
    System.out.println(table);
    String command = a.string("command", "benchmarks/run-load.sh " + scenario).strip();
    Path doc = Path.of(a.string("doc", "docs/benchmarks.md"));
    Path imgDir = Path.of(a.string("img-dir", "docs/img"));
    Files.createDirectories(imgDir);
    String svgName = "load-" + scenario + ".svg";
    Files.writeString(imgDir.resolve(svgName), scenario.equals("conns") ? connsSvg(node, q) : chatSvg(scenario, node, q));
    StringBuilder block = new StringBuilder();
    block.append("<!-- load:").append(scenario).append(":begin -->\n");
    block.append("### ").append(scenario).append("\n\n");
    block.append("Measured ").append(str(q, "date")).append(" (Qingliao) and ").append(str(node, "date"))
        .append(" (Node); load average before/during: Node ").append(str(node, "loadAverageBefore"))
        .append(" / ").append(str(node, "loadAverageDuring", str(node, "loadAverageAfter")))
        .append(", Qingliao ").append(str(q, "loadAverageBefore")).append(" / ")
        .append(str(q, "loadAverageDuring", str(q, "loadAverageAfter"))).append(".\n\n");
    block.append(table).append("\n");
    block.append("![").append(scenario).append(": Qingliao vs Node](img/").append(svgName).append(")\n\n");
    block.append("Command: `").append(command).append("`. Node: ").append(str(node, "serverFlags"))
        .append(". Qingliao: `").append(str(q, "serverFlags")).append("`.");
    if (!str(q, "note").isEmpty()) {
      block.append(" ").append(str(q, "note"));
    }
    block.append("\n<!-- load:").append(scenario).append(":end -->\n");
    writeBlock(doc, scenario, block.toString());
    System.out.println("wrote the " + scenario + " table into " + doc + " and " + imgDir.resolve(svgName));
  }

  // ---- tables ---------------------------------------------------------------------------------

  private static String chatTable(JsonObject n, JsonObject q) {
    StringBuilder t = new StringBuilder();
    t.append("| | Node baseline (`ws`) | Qingliao | Qingliao / Node |\n|---|---:|---:|---:|\n");
    row(t, "connections (rooms × users)", n.get("connected") + " (" + n.get("rooms") + " × " + n.get("usersPerRoom") + ")",
        q.get("connected") + " (" + q.get("rooms") + " × " + q.get("usersPerRoom") + ")", "");
    row(t, "senders, mode", n.get("senders") + ", " + str(n, "mode"), q.get("senders") + ", " + str(q, "mode"), "");
    num(t, "messages sent /s (measured window)", n, q, "messagesPerSecond", "%,.0f");
    num(t, "**deliveries /s**", n, q, "deliveriesPerSecond", "%,.0f");
    num(t, "latency p50 (ms)", n, q, "p50Ms", "%.2f");
    num(t, "latency p90 (ms)", n, q, "p90Ms", "%.2f");
    num(t, "**latency p99 (ms)**", n, q, "p99Ms", "%.2f");
    num(t, "latency max (ms)", n, q, "maxMs", "%.2f");
    if (n.has("firstReceiverP99Ms") && q.has("firstReceiverP99Ms")) {
      // Per message: the wait of its first receiver (the server's path up to the fan-out) and of
      // its last (the whole fan-out); p99 over messages, not over deliveries.
      num(t, "per message: first receiver p50 (ms)", n, q, "firstReceiverP50Ms", "%.2f");
      num(t, "per message: first receiver p99 (ms)", n, q, "firstReceiverP99Ms", "%.2f");
      num(t, "per message: last receiver p50 (ms)", n, q, "lastReceiverP50Ms", "%.2f");
      num(t, "per message: last receiver p99 (ms)", n, q, "lastReceiverP99Ms", "%.2f");
    }
    row(t, "lost / duplicated / error frames", lost(n), lost(q), "");
    num(t, "server CPU (cores busy)", n, q, "serverCpuCores", "%.2f");
    num(t, "**deliveries per server CPU-second**", n, q, "deliveriesPerServerCpuSecond", "%,.0f");
    num(t, "server CPU ms per 1,000 messages", n, q, "serverCpuMsPer1000Messages", "%,.1f");
    num(t, "server CPU ms per 1,000 deliveries", n, q, "serverCpuMsPer1000Deliveries", "%,.2f");
    num(t, "server RSS after (MiB)", n, q, "serverRssKibAfter", "%.0f", 1 / 1024.0);
    row(t, "load generator CPU (cores), busiest I/O thread",
        harness(n), harness(q), "");
    return t.toString();
  }

  private static String connsTable(JsonObject n, JsonObject q) {
    StringBuilder t = new StringBuilder();
    t.append("| | Node baseline (`ws`) | Qingliao | Qingliao / Node |\n|---|---:|---:|---:|\n");
    row(t, "RSS idle, before any connection (fixed cost, MiB)", mib(n.get("serverRssKibIdle")),
        mib(q.get("serverRssKibIdle")), ratio(d(q, "serverRssKibIdle"), d(n, "serverRssKibIdle")));
    JsonArray ns = n.getAsJsonArray("stages");
    JsonArray qs = q.getAsJsonArray("stages");
    for (int i = 0; i < Math.min(ns.size(), qs.size()); i++) {
      JsonObject a = ns.get(i).getAsJsonObject();
      JsonObject b = qs.get(i).getAsJsonObject();
      String label = String.format(Locale.ROOT, "%,d connections", a.get("target").getAsInt());
      row(t, label + ": open (failed)", a.get("open") + " (" + a.get("failed") + ")", b.get("open") + " (" + b.get("failed") + ")", "");
      row(t, label + ": RSS (MiB)", mib(a.get("serverRssKib")), mib(b.get("serverRssKib")), "");
      row(t, "**" + label + ": bytes per connection over idle**", bytes(a.get("bytesPerConnection")),
          bytes(b.get("bytesPerConnection")), ratio(d(b, "bytesPerConnection"), d(a, "bytesPerConnection")));
      row(t, label + ": marginal bytes per connection (this stage)", bytes(a.get("marginalBytesPerConnection")),
          bytes(b.get("marginalBytesPerConnection")),
          ratio(d(b, "marginalBytesPerConnection"), d(a, "marginalBytesPerConnection")));
    }
    return t.toString();
  }

  private static void num(StringBuilder t, String label, JsonObject n, JsonObject q, String key, String fmt) {
    num(t, label, n, q, key, fmt, 1);
  }

  private static void num(StringBuilder t, String label, JsonObject n, JsonObject q, String key, String fmt, double scale) {
    double a = d(n, key) * scale;
    double b = d(q, key) * scale;
    row(t, label, fmt(fmt, a), fmt(fmt, b), ratio(b, a));
  }

  private static void row(StringBuilder t, String label, String a, String b, String ratio) {
    t.append("| ").append(label).append(" | ").append(a).append(" | ").append(b).append(" | ").append(ratio).append(" |\n");
  }

  private static String lost(JsonObject o) {
    return o.get("lost") + " / " + o.get("duplicates") + " / " + o.get("errorFrames")
        + (o.get("closedDuringRun").getAsInt() > 0 ? " (" + o.get("closedDuringRun") + " closed)" : "");
  }

  private static String harness(JsonObject o) {
    double busiest = 0;
    for (JsonElement e : o.getAsJsonArray("harnessIoThreadBusy")) {
      busiest = Math.max(busiest, e.getAsDouble());
    }
    return fmt("%.2f", d(o, "harnessCpuCores")) + ", " + Math.round(busiest * 100) + " %"
        + (o.get("harnessBottleneck").getAsBoolean() ? " (bottleneck)" : "");
  }

  // ---- charts ---------------------------------------------------------------------------------

  private static final String NODE_COLOR = "#8a8f98";
  private static final String Q_COLOR = "#2b7de9";

  private static String chatSvg(String scenario, JsonObject n, JsonObject q) {
    int w = 760;
    int h = 300;
    StringBuilder s = svgStart(w, h, scenario + ": the original Node server vs Qingliao (loopback, same load generator)");
    String[] keys = {"p50Ms", "p90Ms", "p99Ms", "maxMs"};
    String[] names = {"p50", "p90", "p99", "max"};
    double top = 0;
    for (String k : keys) {
      top = Math.max(top, Math.max(d(n, k), d(q, k)));
    }
    // left: latency percentiles on a log scale
    double logTop = Math.ceil(Math.log10(Math.max(top, 1)));
    double logBottom = -1; // 0.1 ms
    int x0 = 60;
    int y0 = 250;
    int ph = 180;
    s.append(text(x0 + 150, 42, "latency (ms, log scale; lower is better)", "middle", 13, "bold"));
    for (double e = logBottom; e <= logTop; e++) {
      int y = (int) (y0 - (e - logBottom) / (logTop - logBottom) * ph);
      s.append(String.format(Locale.ROOT, "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='#ddd'/>", x0, y, x0 + 310, y));
      s.append(text(x0 - 6, y + 4, trim(Math.pow(10, e)), "end", 11, "normal"));
    }
    for (int i = 0; i < keys.length; i++) {
      int gx = x0 + 10 + i * 76;
      bar(s, gx, y0, ph, logHeight(d(n, keys[i]), logBottom, logTop), NODE_COLOR, trim(d(n, keys[i])));
      bar(s, gx + 30, y0, ph, logHeight(d(q, keys[i]), logBottom, logTop), Q_COLOR, trim(d(q, keys[i])));
      s.append(text(gx + 28, y0 + 16, names[i], "middle", 12, "normal"));
    }
    // right: throughput and efficiency, linear, each pair scaled to its larger value
    int x1 = 430;
    s.append(text(x1 + 150, 42, "throughput (higher is better)", "middle", 13, "bold"));
    String[][] right = {{"deliveriesPerSecond", "deliveries/s"}, {"deliveriesPerServerCpuSecond", "deliveries per CPU-s"}};
    for (int i = 0; i < right.length; i++) {
      double a = d(n, right[i][0]);
      double b = d(q, right[i][0]);
      double m = Math.max(Math.max(a, b), 1);
      int gx = x1 + 40 + i * 150;
      bar(s, gx, y0, ph, a / m, NODE_COLOR, compact(a));
      bar(s, gx + 30, y0, ph, b / m, Q_COLOR, compact(b));
      s.append(text(gx + 28, y0 + 16, right[i][1], "middle", 12, "normal"));
    }
    legend(s, w);
    return s.append("</svg>\n").toString();
  }

  private static String connsSvg(JsonObject n, JsonObject q) {
    int w = 560;
    int h = 300;
    StringBuilder s = svgStart(w, h, "conns: server RSS per idle connection over the idle process (bytes; lower is better)");
    JsonArray ns = n.getAsJsonArray("stages");
    JsonArray qs = q.getAsJsonArray("stages");
    double m = 1;
    for (int i = 0; i < Math.min(ns.size(), qs.size()); i++) {
      m = Math.max(m, Math.max(d(ns.get(i).getAsJsonObject(), "bytesPerConnection"),
          d(qs.get(i).getAsJsonObject(), "bytesPerConnection")));
    }
    for (int i = 0; i < Math.min(ns.size(), qs.size()); i++) {
      JsonObject a = ns.get(i).getAsJsonObject();
      JsonObject b = qs.get(i).getAsJsonObject();
      int gx = 90 + i * 200;
      bar(s, gx, 250, 180, d(a, "bytesPerConnection") / m, NODE_COLOR, bytes(a.get("bytesPerConnection")));
      bar(s, gx + 30, 250, 180, d(b, "bytesPerConnection") / m, Q_COLOR, bytes(b.get("bytesPerConnection")));
      s.append(text(gx + 28, 266, String.format(Locale.ROOT, "%,d conns", a.get("target").getAsInt()), "middle", 12, "normal"));
    }
    legend(s, w);
    return s.append("</svg>\n").toString();
  }

  private static StringBuilder svgStart(int w, int h, String title) {
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' viewBox='0 0 %d %d' "
        + "font-family='sans-serif'>\n<rect width='100%%' height='100%%' fill='white'/>\n", w, h, w, h));
    s.append(text(w / 2, 22, esc(title), "middle", 14, "bold"));
    return s;
  }

  private static void legend(StringBuilder s, int w) {
    int y = 288;
    s.append(String.format(Locale.ROOT, "<rect x='%d' y='%d' width='12' height='12' fill='%s'/>", w / 2 - 150, y - 10, NODE_COLOR));
    s.append(text(w / 2 - 133, y, "original Node server (ws)", "start", 12, "normal"));
    s.append(String.format(Locale.ROOT, "<rect x='%d' y='%d' width='12' height='12' fill='%s'/>", w / 2 + 40, y - 10, Q_COLOR));
    s.append(text(w / 2 + 57, y, "Qingliao", "start", 12, "normal")).append('\n');
  }

  private static void bar(StringBuilder s, int x, int y0, int ph, double frac, String color, String label) {
    frac = Math.max(0, Math.min(1, Double.isNaN(frac) ? 0 : frac));
    int bh = (int) Math.round(frac * ph);
    s.append(String.format(Locale.ROOT, "<rect x='%d' y='%d' width='26' height='%d' fill='%s'/>", x, y0 - bh, bh, color));
    s.append(text(x + 13, y0 - bh - 4, label, "middle", 10, "normal")).append('\n');
  }

  private static double logHeight(double v, double lo, double hi) {
    if (v <= 0) {
      return 0;
    }
    return (Math.log10(v) - lo) / (hi - lo);
  }

  private static String text(int x, int y, String t, String anchor, int size, String weight) {
    return String.format(Locale.ROOT, "<text x='%d' y='%d' text-anchor='%s' font-size='%d' font-weight='%s'>%s</text>",
        x, y, anchor, size, weight, t);
  }

  // ---- small things ---------------------------------------------------------------------------

  private static void writeBlock(Path doc, String scenario, String block) throws IOException {
    String begin = "<!-- load:" + scenario + ":begin -->";
    String end = "<!-- load:" + scenario + ":end -->";
    String text = Files.exists(doc) ? Files.readString(doc) : "# Benchmarks\n";
    int b = text.indexOf(begin);
    int e = text.indexOf(end);
    if (b >= 0 && e > b) {
      int after = e + end.length();
      if (after < text.length() && text.charAt(after) == '\n') {
        after++;
      }
      text = text.substring(0, b) + block + text.substring(after);
    } else {
      int section = text.indexOf(SECTION);
      if (section < 0) {
        if (!text.endsWith("\n")) {
          text += "\n";
        }
        text += "\n" + SECTION + "\n\n";
        section = text.indexOf(SECTION);
      }
      int next = text.indexOf("\n## ", section + SECTION.length());
      int at = next < 0 ? text.length() : next + 1;
      String before = text.substring(0, at);
      if (!before.endsWith("\n\n")) {
        before += before.endsWith("\n") ? "\n" : "\n\n";
      }
      text = before + block + (next < 0 ? "" : "\n" + text.substring(at));
    }
    Files.writeString(doc, text);
  }

  private static JsonObject read(String path) throws IOException {
    return new Gson().fromJson(Files.readString(Path.of(path)), JsonObject.class);
  }

  private static double d(JsonObject o, String key) {
    JsonElement e = o.get(key);
    return e == null || e.isJsonNull() ? Double.NaN : e.getAsDouble();
  }

  private static String str(JsonObject o, String key) {
    return str(o, key, "");
  }

  private static String str(JsonObject o, String key, String dflt) {
    JsonElement e = o.get(key);
    return e == null || e.isJsonNull() ? dflt : e.getAsString();
  }

  private static String fmt(String f, double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, f, v);
  }

  private static String ratio(double q, double n) {
    if (Double.isNaN(q) || Double.isNaN(n) || n == 0) {
      return "";
    }
    return String.format(Locale.ROOT, "%.2f×", q / n);
  }

  private static String mib(JsonElement kib) {
    return kib == null || kib.isJsonNull() ? "n/a" : String.format(Locale.ROOT, "%.1f", kib.getAsDouble() / 1024);
  }

  private static String bytes(JsonElement b) {
    return b == null || b.isJsonNull() ? "n/a" : String.format(Locale.ROOT, "%,d", b.getAsLong());
  }

  private static String trim(double v) {
    if (v >= 100) {
      return String.format(Locale.ROOT, "%.0f", v);
    }
    if (v >= 1) {
      return String.format(Locale.ROOT, "%.1f", v);
    }
    return String.format(Locale.ROOT, "%.2f", v);
  }

  private static String compact(double v) {
    if (Double.isNaN(v)) {
      return "n/a";
    }
    if (v >= 1e6) {
      return String.format(Locale.ROOT, "%.2fM", v / 1e6);
    }
    if (v >= 1e3) {
      return String.format(Locale.ROOT, "%.0fk", v / 1e3);
    }
    return String.format(Locale.ROOT, "%.0f", v);
  }

  private static String esc(String t) {
    return t.replace("&", "&amp;").replace("<", "&lt;");
  }
}
