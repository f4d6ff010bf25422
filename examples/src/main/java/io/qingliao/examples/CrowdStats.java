package io.qingliao.examples;

import java.io.PrintStream;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * What a {@link Crowd} run counts, per room: messages sent and acked, and every copy each member
 * received, checked against what it should have received. Thread-safe: sends are counted on the
 * run's timer thread, receipts on each client's socket thread.
 */
final class CrowdStats {

  /** One room: its members, its messages (by index) and what each member saw of them. */
  static final class Room {
    final String name;
    final int members;
    final int planned;
    final AtomicLongArray sentAt; // System.nanoTime() of each message; 0 = not sent (yet)
    final BitSet[] seen; // per member, guarded by itself
    final LongAdder sent = new LongAdder();
    final LongAdder acked = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final LongAdder unanswered = new LongAdder();
    final LongAdder delivered = new LongAdder();
    final LongAdder duplicated = new LongAdder();
    final Latency latency = new Latency();

    Room(String name, int members, int planned) {
      this.name = name;
      this.members = members;
      this.planned = planned;
      this.sentAt = new AtomicLongArray(planned);
      this.seen = new BitSet[members];
      for (int i = 0; i < members; i++) {
        seen[i] = new BitSet(planned);
      }
    }

    void sending(int index) {
      sentAt.set(index, System.nanoTime());
      sent.increment();
    }

    /** Member {@code member} (0-based within the room) received message {@code index}. */
    void received(int member, int index) {
      long now = System.nanoTime();
      if (index < 0 || index >= planned || sentAt.get(index) == 0) {
        return; // not one of ours
      }
      boolean again;
      BitSet bits = seen[member];
      synchronized (bits) {
        again = bits.get(index);
        bits.set(index);
      }
      if (again) {
        duplicated.increment();
      } else {
        delivered.increment();
        latency.record(now - sentAt.get(index));
      }
    }

    long expected() {
      return sent.sum() * members;
    }

    long lost() {
      return Math.max(0, expected() - delivered.sum());
    }

    long answered() {
      return acked.sum() + rejected.sum() + unanswered.sum();
    }
  }

  /**
   * Latencies on a log scale: bucket {@code i} holds values around {@code 1.05^i} microseconds,
   * so percentiles are within 5 % whatever the range (1 µs to more than an hour).
   */
  static final class Latency {
    private static final double STEP = Math.log(1.05);
    private static final int BUCKETS = 480;
    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);

    void record(long nanos) {
      double micros = Math.max(1.0, nanos / 1_000.0);
      int bucket = (int) Math.min(BUCKETS - 1, Math.floor(Math.log(micros) / STEP));
      counts.incrementAndGet(bucket);
    }

    void addTo(Latency total) {
      for (int i = 0; i < BUCKETS; i++) {
        total.counts.addAndGet(i, counts.get(i));
      }
    }

    /** The {@code p}-th percentile (0..100) in milliseconds, or NaN with no samples. */
    double percentileMillis(double p) {
      long total = 0;
      for (int i = 0; i < BUCKETS; i++) {
        total += counts.get(i);
      }
      if (total == 0) {
        return Double.NaN;
      }
      long rank = Math.max(1, (long) Math.ceil(total * p / 100.0));
      long seen = 0;
      for (int i = 0; i < BUCKETS; i++) {
        seen += counts.get(i);
        if (seen >= rank) {
          return Math.exp((i + 0.5) * STEP) / 1_000.0; // the bucket's middle
        }
      }
      return Double.NaN;
    }
  }

  private final List<Room> rooms;

  CrowdStats(List<Room> rooms) {
    this.rooms = List.copyOf(rooms);
  }

  List<Room> rooms() {
    return rooms;
  }

  long sent() {
    return rooms.stream().mapToLong(r -> r.sent.sum()).sum();
  }

  long answered() {
    return rooms.stream().mapToLong(Room::answered).sum();
  }

  long acked() {
    return rooms.stream().mapToLong(r -> r.acked.sum()).sum();
  }

  long failed() {
    return answered() - acked();
  }

  long delivered() {
    return rooms.stream().mapToLong(r -> r.delivered.sum()).sum();
  }

  long expected() {
    return rooms.stream().mapToLong(Room::expected).sum();
  }

  long lost() {
    return rooms.stream().mapToLong(Room::lost).sum();
  }

  long duplicated() {
    return rooms.stream().mapToLong(r -> r.duplicated.sum()).sum();
  }

  /**
   * Every message answered, and every copy delivered except those of refused messages (which
   * never will be): waiting longer changes nothing.
   */
  boolean settled() {
    return answered() == sent()
        && rooms.stream().allMatch(r -> r.delivered.sum() >= (r.sent.sum() - r.rejected.sum()) * r.members);
  }

  /** The final table: one row per room (up to {@code maxRoomRows}), then the total. */
  void printTable(PrintStream out, int maxRoomRows) {
    String header = String.format(Locale.ROOT, "%-24s %6s %8s %8s %8s %10s %8s %11s %8s %8s",
        "room", "users", "sent", "acked", "failed", "delivered", "lost", "duplicated", "p50 ms", "p99 ms");
    out.println(header);
    out.println("-".repeat(header.length()));
    Latency all = new Latency();
    long[] sums = new long[8];
    for (int i = 0; i < rooms.size(); i++) {
      Room r = rooms.get(i);
      long[] row = {r.members, r.sent.sum(), r.acked.sum(), r.rejected.sum() + r.unanswered.sum(),
          r.delivered.sum(), r.lost(), r.duplicated.sum()};
      for (int c = 0; c < row.length; c++) {
        sums[c] += row[c];
      }
      r.latency.addTo(all);
      if (i < maxRoomRows) {
        out.println(row(r.name, row, r.latency));
      }
    }
    if (rooms.size() > maxRoomRows) {
      out.println("... " + (rooms.size() - maxRoomRows) + " more rooms");
    }
    out.println("-".repeat(header.length()));
    out.println(row("total", sums, all));
  }

  private static String row(String name, long[] v, Latency latency) {
    return String.format(Locale.ROOT, "%-24s %6d %8d %8d %8d %10d %8d %11d %8s %8s", name, v[0], v[1], v[2], v[3], v[4],
        v[5], v[6], millis(latency.percentileMillis(50)), millis(latency.percentileMillis(99)));
  }

  private static String millis(double value) {
    return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.1f", value);
  }
}
