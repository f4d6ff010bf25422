package io.qingliao.benchmarks.load;

/**
 * Log-linear histogram of nanosecond values: exact below 256 ns, then 256 sub-buckets per
 * power of two (relative error under 0.4 %). Not thread-safe: one per I/O thread, merged at the end.
 */
final class LatencyHistogram {
  private static final int SUB_BITS = 8;
  private static final int SUB = 1 << SUB_BITS;
  private final long[] counts = new long[SUB * 2 + SUB * 56];
  private long total;
  private long max;

  void record(long nanos) {
    if (nanos < 0) {
      nanos = 0;
    }
    counts[index(nanos)]++;
    total++;
    if (nanos > max) {
      max = nanos;
    }
  }

  void merge(LatencyHistogram other) {
    for (int i = 0; i < counts.length; i++) {
      counts[i] += other.counts[i];
    }
    total += other.total;
    max = Math.max(max, other.max);
  }

  long count() {
    return total;
  }

  long maxNanos() {
    return max;
  }

  /** Upper edge of the bucket holding the value at quantile {@code q} (0..1), 0 when empty. */
  long percentileNanos(double q) {
    if (total == 0) {
      return 0;
    }
    long rank = (long) Math.ceil(q * total);
    if (rank < 1) {
      rank = 1;
    }
    long seen = 0;
    for (int i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= rank) {
        return Math.min(max, upperEdge(i));
      }
    }
    return max;
  }

  private static int index(long v) {
    if (v < 2L * SUB) {
      return (int) v;
    }
    int exp = 63 - Long.numberOfLeadingZeros(v);
    int shift = exp - SUB_BITS;
    return (shift << SUB_BITS) + (int) (v >>> shift);
  }

  private static long upperEdge(int index) {
    if (index < 2 * SUB) {
      return index;
    }
    int shift = (index >>> SUB_BITS) - 1;
    long mantissa = index - ((long) shift << SUB_BITS);
    return ((mantissa + 1) << shift) - 1;
  }
}
