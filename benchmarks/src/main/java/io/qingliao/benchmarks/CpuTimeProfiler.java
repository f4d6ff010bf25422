package io.qingliao.benchmarks;

import java.lang.management.ManagementFactory;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * CPU time the benchmark's JVM spent per operation, for a machine shared with other work: the
 * wall-clock score there depends on how often the OS ran something else, while the CPU time an
 * operation costs barely does. Use it with {@code -prof io.qingliao.benchmarks.CpuTimeProfiler}.
 *
 * <ul>
 *   <li>{@code cpu.time.norm}: process CPU time (all threads: the benchmark thread, JIT, GC, a
 *       store's writer thread) divided by the operations of the iteration, in ns/op;</li>
 *   <li>{@code cpu.share}: process CPU time over wall time; about 1 for a single-threaded
 *       benchmark that had a core to itself, less when it was waiting for one.</li>
 * </ul>
 */
public final class CpuTimeProfiler implements InternalProfiler {
  private final com.sun.management.OperatingSystemMXBean os =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  private long cpuBefore;
  private long wallBefore;

  @Override
  public String getDescription() {
    return "process CPU time per operation (ns/op) and CPU share of the wall time";
  }

  @Override
  public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
    wallBefore = System.nanoTime();
    cpuBefore = os.getProcessCpuTime();
  }

  @Override
  public List<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
      IterationResult result) {
    long cpu = os.getProcessCpuTime() - cpuBefore;
    long wall = System.nanoTime() - wallBefore;
    long ops = result.getMetadata().getAllOps();
    return List.of(
        new ScalarResult("cpu.time.norm", ops == 0 ? Double.NaN : (double) cpu / ops, "ns/op", AggregationPolicy.AVG),
        new ScalarResult("cpu.share", wall == 0 ? Double.NaN : (double) cpu / wall, "cores", AggregationPolicy.AVG));
  }
}
