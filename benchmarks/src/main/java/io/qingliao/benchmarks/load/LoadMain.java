package io.qingliao.benchmarks.load;

import com.google.gson.GsonBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * End-to-end load generator: drives a chat server over WebSocket on loopback and prints what it
 * measured (and writes it as JSON with {@code --out=FILE}). Usually run by
 * {@code benchmarks/run-load.sh}, which starts the servers; see docs/benchmarks.md.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.qingliao.benchmarks.load.LoadMain SCENARIO [--key=value...]
 *   SCENARIO   fanout | saturate | rooms | conns | report
 *   --target=qingliao|node   what is being measured (node: every message reaches every client)
 *   --url=ws://127.0.0.1:8000/  --server-pid=PID (CPU and RSS from /proc)  --out=result.json
 *   --rooms --users-per-room --senders --rate (msg/s total; 0 = window mode) --window
 *   --warmup --duration --drain (seconds) --io-threads --max-messages --source-addrs=127.0.0.1,...
 *   conns: --stages=10000,19000 --procs=2 --rooms=100 --stage-timeout=300 --hold=0 (seconds to keep them open)
 * </pre>
 * Every phase has a time bound; the run stops by itself.
 */
public final class LoadMain {
  private static final Set<String> OPTIONS = Set.of("target", "url", "server-pid", "out", "rooms", "users-per-room",
      "senders", "rate", "window", "warmup", "duration", "drain", "io-threads", "max-messages", "max-pending",
      "connect-timeout", "source-addrs", "stages", "procs", "id-offset", "max-seconds", "worker-source-addrs",
      "server-flags", "note", "stage-timeout", "hold");

  private LoadMain() {}

  public static void main(String[] argv) throws Exception {
    if (argv.length == 0 || argv[0].startsWith("-")) {
      System.err.println("usage: LoadMain fanout|saturate|rooms|conns [--key=value...] | report ...");
      System.exit(2);
    }
    String scenario = argv[0];
    if (scenario.equals("report")) {
      Report.main(java.util.Arrays.copyOfRange(argv, 1, argv.length));
      return;
    }
    Args a = new Args(argv, 1, OPTIONS);
    if (scenario.equals("conns-worker")) {
      ConnsLoad.worker(a);
      return;
    }
    Map<String, Object> result;
    if (scenario.equals("conns")) {
      result = ConnsLoad.run(a);
    } else {
      ChatLoad.Plan plan = plan(scenario, a);
      result = new ChatLoad(plan, Target.parse(a)).run();
    }
    Map<String, Object> all = new LinkedHashMap<>();
    all.put("date", Instant.now().toString());
    all.put("serverFlags", a.string("server-flags", ""));
    all.put("note", a.string("note", ""));
    all.putAll(result);
    String json = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create().toJson(all);
    System.out.println(json);
    if (a.has("out")) {
      Files.writeString(Path.of(a.string("out", "")), json);
    }
    if (Boolean.TRUE.equals(result.get("harnessBottleneck"))) {
      System.out.println("WARNING: the load generator's I/O thread was over 85 % busy: it may be the bottleneck, "
          + "so the server's figures are a lower bound.");
    }
    System.exit(0);
  }

  static ChatLoad.Plan plan(String scenario, Args a) {
    int rooms;
    int users;
    int senders;
    double rate;
    int window;
    double duration;
    double drain;
    switch (scenario) {
      case "fanout" -> { rooms = 1; users = 1000; senders = 10; rate = 50; window = 0; duration = 30; drain = 15; }
      case "saturate" -> { rooms = 1; users = 1000; senders = 10; rate = 0; window = 4; duration = 20; drain = 20; }
      case "rooms" -> { rooms = 100; users = 10; senders = 1000; rate = 500; window = 0; duration = 30; drain = 30; }
      default -> throw new IllegalArgumentException("unknown scenario " + scenario);
    }
    return new ChatLoad.Plan(scenario,
        a.integer("rooms", rooms),
        a.integer("users-per-room", users),
        a.integer("senders", senders),
        a.decimal("rate", rate),
        a.integer("window", window),
        a.decimal("warmup", 5),
        Math.min(a.decimal("duration", duration), 600),
        Math.min(a.decimal("drain", drain), 120),
        a.integer("io-threads", 1),
        a.integer("max-messages", 2_000_000),
        a.integer("max-pending", 32),
        a.decimal("connect-timeout", 120));
  }
}
